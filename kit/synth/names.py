"""Small lists of common names, streets and nicknames for the person extracts.

Common first names and surnames only (the kind in any register of births): combined at random,
they describe no real child. Street names are generic; towns are the fictional LAs' names.
"""

from __future__ import annotations

GIVEN_MALE = (
    "Oliver", "Harry", "Jack", "George", "Noah", "Charlie", "Jacob", "Alfie", "Freddie", "Oscar",
    "Leo", "Archie", "Joshua", "James", "Thomas", "Ethan", "William", "Daniel", "Samuel", "Joseph",
    "Logan", "Mason", "Riley", "Tyler", "Kai", "Liam", "Dylan", "Lewis", "Callum", "Connor",
    "Jayden", "Reece", "Kyle", "Ryan", "Adam", "Harvey", "Louie", "Tommy", "Bobby", "Frankie",
    "Michael", "Matthew", "Benjamin", "Alexander", "Max", "Finley", "Zachary", "Luke", "Aaron", "Elijah",
)  # fmt: skip
GIVEN_FEMALE = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella",
    "Lily", "Evie", "Isabella", "Sophie", "Chloe", "Jessica", "Ruby", "Freya", "Millie", "Daisy",
    "Phoebe", "Holly", "Megan", "Lauren", "Courtney", "Shannon", "Chelsea", "Jade", "Leah", "Paige",
    "Ellie", "Katie", "Hannah", "Charlotte", "Lucy", "Abigail", "Scarlett", "Maisie", "Lola", "Summer",
    "Amber", "Caitlin", "Niamh", "Erin", "Rebecca", "Elizabeth", "Rosie", "Alice", "Keira", "Tilly",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
    "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
    "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
    "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
    "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali",
    "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight",
    "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
)  # fmt: skip
GIVEN_UASC_MALE = (
    "Ahmad", "Mohammed", "Ali", "Hassan", "Omar", "Yonas", "Dawit", "Samuel", "Reza", "Amir",
    "Arben", "Minh", "Ibrahim", "Mustafa", "Abdullah", "Yusuf", "Tesfay", "Bilal", "Hamid", "Karim",
)  # fmt: skip
GIVEN_UASC_FEMALE = ("Fatima", "Aisha", "Mariam", "Selam", "Helen", "Zahra", "Linh", "Sara", "Hana", "Amina")
SURNAMES_UASC = (
    "Ahmadi", "Mohammadi", "Hussaini", "Tesfaye", "Haile", "Osman", "Abdi", "Nguyen", "Hoxha",
    "Karimi", "Rahimi", "Yousef", "Tekle", "Berhane", "Adam", "Ibrahim", "Mahmoud", "Hosseini",
)  # fmt: skip
NICKNAMES = {
    "Oliver": "Ollie", "Harry": "Haz", "Thomas": "Tom", "William": "Will", "Daniel": "Dan",
    "Samuel": "Sam", "Joseph": "Joe", "Joshua": "Josh", "James": "Jamie", "Michael": "Mike",
    "Matthew": "Matt", "Benjamin": "Ben", "Alexander": "Alex", "Zachary": "Zach", "Frederick": "Fred",
    "Jacob": "Jake", "Charlie": "Charles", "Olivia": "Liv", "Amelia": "Millie", "Isabella": "Bella",
    "Sophia": "Sophie", "Elizabeth": "Beth", "Rebecca": "Becky", "Jessica": "Jess", "Abigail": "Abbie",
    "Charlotte": "Lottie", "Katie": "Kate", "Hannah": "Hanna", "Mohammed": "Muhammad", "Ahmad": "Ahmed",
}  # fmt: skip
STREET_WORDS = (
    "Church", "Station", "Park", "Victoria", "Green", "Manor", "Mill", "School", "Queens", "Kings",
    "Grange", "Windsor", "Highfield", "Meadow", "Orchard", "Chestnut", "Beech", "Ash", "Elm", "Willow",
    "Brook", "Riverside", "Hill", "Springfield", "Albert", "York", "Fairfield", "Oak", "Cedar", "Holly",
)  # fmt: skip
STREET_TYPES = ("Road", "Street", "Close", "Avenue", "Lane", "Way", "Drive", "Crescent", "Gardens", "Court")
