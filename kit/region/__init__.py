"""The regional dataset: pool the LAs, protect identities, join SSDA903, the Ofsted register and postcodes.

    from kit.region import load_region_config, build_regional_dataset
    config = load_region_config("sample_data/region.yml")
    ds = build_regional_dataset(config, key=load_key(config))      # -> RegionalDataset

Modules: ``config`` (region.yml), ``privacy`` (key, pseudonyms, internal fields),
``ssda903`` (903 readers), ``ofsted`` (the register), ``postcodes`` (districts and distances),
``join`` (placement <-> episode, URN, distance), ``pool`` (the build). The quarterly run that
sequences every stage is ``kit.app.quarterly_run``.
Importing this package does not import Great Expectations.
"""

from kit.region.config import LAConfig, RegionConfig, load_region_config
from kit.region.pool import RegionalDataset, build_regional_dataset
from kit.region.privacy import load_key, pseudonymise

__all__ = [
    "LAConfig",
    "RegionConfig",
    "RegionalDataset",
    "build_regional_dataset",
    "load_key",
    "load_region_config",
    "pseudonymise",
]
