"""The one exception users see: a plain-English sentence, never a traceback."""


class KitError(Exception):
    """An input the kit cannot use at all.

    The message is one sentence naming the file and what to do about it. The command line
    prints it on stderr and exits with status 2.
    """
