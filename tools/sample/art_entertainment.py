"""The art_entertainment share of the bundled sample: films, books and songs with creators, in DBpedia's vocabulary.

- works: a declared table of well-known films (dbo:director), books (dbo:author) and songs (dbo:artist, or
  dbo:musicalArtist where marked), hand-entered from well-established facts: title, class, release and creators.
  The release is ``dbo:releaseDate``: an xsd:date where the day is well established, an xsd:gYearMonth where only
  the month is, else an xsd:gYear. Types are the class and its ancestors up to dbo:Work. Labels are the titles with
  spaces, disambiguators included ("Titanic (1997 film)"), as DBpedia's labels are.
- some works were released before 1950 or after 2020, for the range rule; some songs have two or three artists,
  and many creators have several works, so the grouped split has components to keep together.
- creators: a resource with an English label (the title with spaces) per creator; no types.
- synthetic bad records, named ``Sample_work_...``, one defect each.
- pageviews: SYNTHETIC, seeded log-normal totals; a declared few fall under the threshold or have no lines.

Deterministic: seeded RNG, sorted output, gzip without a timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.sample.common import (
    XSD,
    SamplePart,
    dbo,
    gzip_bytes,
    label_triples,
    literal,
    lognormal_views,
    resource_iri,
    sorted_text,
    triple,
    typed_resource_triples,
)

DATASET = "art_entertainment"
WORKS_FILE = "dbpedia/art_entertainment.nt.gz"
TYPICAL_VIEWS = 300_000.0  # median synthetic total over the window
BAD_RECORD_VIEWS = 50_000.0
LOW_VIEWS = 2_000.0  # under the builder's threshold of 5,000
DEFAULT_CREATOR_PROPERTY = {"Film": "director", "Novel": "author", "Book": "author", "Song": "artist"}

# Real works given a synthetic total under the threshold, and two with no pageview lines at all.
FEW_VIEWS = (
    "Throne_of_Blood",
    "Wild_Strawberries_(film)",
    "Pale_Fire",
    "Inside_Llewyn_Davis",
    "Hit_the_Road_Jack",
    "Crocodile_Rock",
    "The_Shipping_News",
    "Killer_Queen",
)
NO_VIEWS = ("Charade_(1963_film)", "A_Wizard_of_Earthsea")

# title | class | release | creators (titles, ";"-separated) | creator property when not the class's default
WORKS_TABLE = """\
# films: dbo:director
Memento_(film)|Film|2000|Christopher_Nolan
The_Dark_Knight|Film|2008-07-18|Christopher_Nolan
Inception|Film|2010-07-16|Christopher_Nolan
Interstellar_(film)|Film|2014|Christopher_Nolan
Dunkirk_(2017_film)|Film|2017|Christopher_Nolan
Tenet_(film)|Film|2020|Christopher_Nolan
Oppenheimer_(film)|Film|2023|Christopher_Nolan
Jaws_(film)|Film|1975-06-20|Steven_Spielberg
Close_Encounters_of_the_Third_Kind|Film|1977|Steven_Spielberg
Raiders_of_the_Lost_Ark|Film|1981|Steven_Spielberg
E.T._the_Extra-Terrestrial|Film|1982-06-11|Steven_Spielberg
Jurassic_Park_(film)|Film|1993-06-11|Steven_Spielberg
Schindler's_List|Film|1993|Steven_Spielberg
Saving_Private_Ryan|Film|1998|Steven_Spielberg
Paths_of_Glory|Film|1957|Stanley_Kubrick
Spartacus_(film)|Film|1960|Stanley_Kubrick
Dr._Strangelove|Film|1964|Stanley_Kubrick
2001:_A_Space_Odyssey_(film)|Film|1968|Stanley_Kubrick
A_Clockwork_Orange_(film)|Film|1971|Stanley_Kubrick
Barry_Lyndon|Film|1975|Stanley_Kubrick
The_Shining_(film)|Film|1980|Stanley_Kubrick
Full_Metal_Jacket|Film|1987|Stanley_Kubrick
Eyes_Wide_Shut|Film|1999|Stanley_Kubrick
Rebecca_(1940_film)|Film|1940|Alfred_Hitchcock
Strangers_on_a_Train_(film)|Film|1951|Alfred_Hitchcock
Rear_Window|Film|1954|Alfred_Hitchcock
Vertigo_(film)|Film|1958|Alfred_Hitchcock
North_by_Northwest|Film|1959|Alfred_Hitchcock
Psycho_(1960_film)|Film|1960|Alfred_Hitchcock
The_Birds_(film)|Film|1963|Alfred_Hitchcock
Taxi_Driver|Film|1976|Martin_Scorsese
Raging_Bull|Film|1980|Martin_Scorsese
Goodfellas|Film|1990|Martin_Scorsese
The_Departed|Film|2006|Martin_Scorsese
The_Wolf_of_Wall_Street_(2013_film)|Film|2013|Martin_Scorsese
The_Irishman|Film|2019|Martin_Scorsese
The_Godfather|Film|1972-03-24|Francis_Ford_Coppola
The_Godfather_Part_II|Film|1974|Francis_Ford_Coppola
The_Conversation|Film|1974|Francis_Ford_Coppola
Apocalypse_Now|Film|1979|Francis_Ford_Coppola
The_Godfather_Part_III|Film|1990|Francis_Ford_Coppola
Reservoir_Dogs|Film|1992|Quentin_Tarantino
Pulp_Fiction|Film|1994-10-14|Quentin_Tarantino
Jackie_Brown|Film|1997|Quentin_Tarantino
Kill_Bill:_Volume_1|Film|2003|Quentin_Tarantino
Inglourious_Basterds|Film|2009|Quentin_Tarantino
Django_Unchained|Film|2012|Quentin_Tarantino
Once_Upon_a_Time_in_Hollywood|Film|2019|Quentin_Tarantino
Rashomon|Film|1950|Akira_Kurosawa
Seven_Samurai|Film|1954|Akira_Kurosawa
Throne_of_Blood|Film|1957|Akira_Kurosawa
Yojimbo|Film|1961|Akira_Kurosawa
Ran_(film)|Film|1985|Akira_Kurosawa
La_Dolce_Vita|Film|1960|Federico_Fellini
8½|Film|1963|Federico_Fellini
The_400_Blows|Film|1959|François_Truffaut
Breathless_(1960_film)|Film|1960|Jean-Luc_Godard
The_Seventh_Seal|Film|1957|Ingmar_Bergman
Wild_Strawberries_(film)|Film|1957|Ingmar_Bergman
Persona_(1966_film)|Film|1966|Ingmar_Bergman
Seven_(1995_film)|Film|1995|David_Fincher
Fight_Club|Film|1999|David_Fincher
The_Social_Network|Film|2010|David_Fincher
Gone_Girl_(film)|Film|2014|David_Fincher
Alien_(film)|Film|1979|Ridley_Scott
Blade_Runner|Film|1982|Ridley_Scott
Gladiator_(2000_film)|Film|2000|Ridley_Scott
The_Martian_(film)|Film|2015|Ridley_Scott
The_Terminator|Film|1984|James_Cameron
Aliens_(film)|Film|1986|James_Cameron
Terminator_2:_Judgment_Day|Film|1991|James_Cameron
Titanic_(1997_film)|Film|1997-12-19|James_Cameron
Avatar_(2009_film)|Film|2009-12-18|James_Cameron
American_Graffiti|Film|1973|George_Lucas
Star_Wars_(film)|Film|1977-05-25|George_Lucas
Back_to_the_Future|Film|1985-07-03|Robert_Zemeckis
Who_Framed_Roger_Rabbit|Film|1988|Robert_Zemeckis
Forrest_Gump|Film|1994|Robert_Zemeckis
Cast_Away|Film|2000|Robert_Zemeckis
The_Lord_of_the_Rings:_The_Fellowship_of_the_Ring|Film|2001|Peter_Jackson
The_Shawshank_Redemption|Film|1994|Frank_Darabont
The_Green_Mile_(film)|Film|1999|Frank_Darabont
Rushmore_(film)|Film|1998|Wes_Anderson
The_Royal_Tenenbaums|Film|2001|Wes_Anderson
The_Grand_Budapest_Hotel|Film|2014|Wes_Anderson
Memories_of_Murder|Film|2003|Bong_Joon-ho
Parasite_(2019_film)|Film|2019|Bong_Joon-ho
My_Neighbor_Totoro|Film|1988|Hayao_Miyazaki
Princess_Mononoke|Film|1997|Hayao_Miyazaki
Spirited_Away|Film|2001|Hayao_Miyazaki
Get_Out|Film|2017|Jordan_Peele
Us_(2019_film)|Film|2019|Jordan_Peele
Whiplash_(2014_film)|Film|2014|Damien_Chazelle
La_La_Land|Film|2016|Damien_Chazelle
Lady_Bird_(film)|Film|2017|Greta_Gerwig
Little_Women_(2019_film)|Film|2019|Greta_Gerwig
Barbie_(film)|Film|2023|Greta_Gerwig
Arrival_(film)|Film|2016|Denis_Villeneuve
Blade_Runner_2049|Film|2017|Denis_Villeneuve
Dune_(2021_film)|Film|2021|Denis_Villeneuve
Joker_(2019_film)|Film|2019|Todd_Phillips
American_Beauty_(1999_film)|Film|1999|Sam_Mendes
1917_(2019_film)|Film|2019|Sam_Mendes
Braveheart|Film|1995|Mel_Gibson
Dances_with_Wolves|Film|1990|Kevin_Costner
The_Silence_of_the_Lambs_(film)|Film|1991|Jonathan_Demme
One_Flew_Over_the_Cuckoo's_Nest_(film)|Film|1975|Miloš_Forman
Amadeus_(film)|Film|1984|Miloš_Forman
The_French_Connection_(film)|Film|1971|William_Friedkin
The_Exorcist|Film|1973|William_Friedkin
Rosemary's_Baby_(film)|Film|1968|Roman_Polanski
Chinatown_(1974_film)|Film|1974|Roman_Polanski
The_Graduate|Film|1967|Mike_Nichols
The_Bridge_on_the_River_Kwai|Film|1957|David_Lean
Lawrence_of_Arabia_(film)|Film|1962|David_Lean
Doctor_Zhivago_(film)|Film|1965|David_Lean
Sunset_Boulevard_(film)|Film|1950|Billy_Wilder
Some_Like_It_Hot|Film|1959|Billy_Wilder
The_Apartment|Film|1960|Billy_Wilder
A_Streetcar_Named_Desire_(1951_film)|Film|1951|Elia_Kazan
On_the_Waterfront|Film|1954|Elia_Kazan
The_Good,_the_Bad_and_the_Ugly|Film|1966|Sergio_Leone
Once_Upon_a_Time_in_the_West|Film|1968|Sergio_Leone
The_Sound_of_Music_(film)|Film|1965|Robert_Wise
West_Side_Story_(1961_film)|Film|1961|Robert_Wise;Jerome_Robbins
Singin'_in_the_Rain|Film|1952|Gene_Kelly;Stanley_Donen
Charade_(1963_film)|Film|1963|Stanley_Donen
Airplane!|Film|1980|Jim_Abrahams;David_Zucker;Jerry_Zucker
Monty_Python_and_the_Holy_Grail|Film|1975|Terry_Gilliam;Terry_Jones
Brazil_(1985_film)|Film|1985|Terry_Gilliam
12_Monkeys|Film|1995|Terry_Gilliam
The_Lion_King|Film|1994|Roger_Allers;Rob_Minkoff
Beauty_and_the_Beast_(1991_film)|Film|1991|Gary_Trousdale;Kirk_Wise
Tarzan_(1999_film)|Film|1999|Chris_Buck;Kevin_Lima
Frozen_(2013_film)|Film|2013|Chris_Buck;Jennifer_Lee_(filmmaker)
Frozen_II|Film|2019|Chris_Buck;Jennifer_Lee_(filmmaker)
Tangled|Film|2010|Nathan_Greno;Byron_Howard
Wreck-It_Ralph|Film|2012|Rich_Moore
Zootopia|Film|2016|Byron_Howard;Rich_Moore
Toy_Story|Film|1995|John_Lasseter
Monsters,_Inc.|Film|2001|Pete_Docter
Up_(2009_film)|Film|2009|Pete_Docter
Inside_Out_(2015_film)|Film|2015|Pete_Docter
Finding_Nemo|Film|2003|Andrew_Stanton
WALL-E|Film|2008|Andrew_Stanton
The_Matrix|Film|1999-03-31|The_Wachowskis
Gravity_(2013_film)|Film|2013|Alfonso_Cuarón
Roma_(2018_film)|Film|2018|Alfonso_Cuarón
Pan's_Labyrinth|Film|2006|Guillermo_del_Toro
The_Shape_of_Water|Film|2017|Guillermo_del_Toro
Mad_Max:_Fury_Road|Film|2015|George_Miller_(filmmaker)
Moonlight_(2016_film)|Film|2016|Barry_Jenkins
12_Years_a_Slave_(film)|Film|2013|Steve_McQueen_(director)
Trainspotting_(film)|Film|1996|Danny_Boyle
Slumdog_Millionaire|Film|2008|Danny_Boyle
No_Country_for_Old_Men_(film)|Film|2007|Joel_Coen;Ethan_Coen
True_Grit_(2010_film)|Film|2010|Joel_Coen;Ethan_Coen
Inside_Llewyn_Davis|Film|2013|Joel_Coen;Ethan_Coen
Boogie_Nights|Film|1997|Paul_Thomas_Anderson
Magnolia_(film)|Film|1999|Paul_Thomas_Anderson
There_Will_Be_Blood|Film|2007|Paul_Thomas_Anderson
Amélie|Film|2001|Jean-Pierre_Jeunet
Crouching_Tiger,_Hidden_Dragon|Film|2000|Ang_Lee
Brokeback_Mountain|Film|2005|Ang_Lee
Life_of_Pi_(film)|Film|2012|Ang_Lee
Rocky|Film|1976|John_G._Avildsen
Annie_Hall|Film|1977|Woody_Allen
Manhattan_(1979_film)|Film|1979|Woody_Allen
Ghostbusters|Film|1984|Ivan_Reitman
The_Breakfast_Club|Film|1985|John_Hughes_(filmmaker)
Ferris_Bueller's_Day_Off|Film|1986|John_Hughes_(filmmaker)
Home_Alone|Film|1990|Chris_Columbus_(filmmaker)
Citizen_Kane|Film|1941|Orson_Welles
Casablanca_(film)|Film|1942-11-26|Michael_Curtiz
Gone_with_the_Wind_(film)|Film|1939|Victor_Fleming
The_Wizard_of_Oz_(1939_film)|Film|1939|Victor_Fleming
Everything_Everywhere_All_at_Once|Film|2022|Daniel_Kwan;Daniel_Scheinert
Top_Gun:_Maverick|Film|2022|Joseph_Kosinski
# books: dbo:author
The_Fellowship_of_the_Ring|Novel|1954|J._R._R._Tolkien
The_Two_Towers|Novel|1954|J._R._R._Tolkien
The_Return_of_the_King|Novel|1955|J._R._R._Tolkien
The_Silmarillion|Book|1977|J._R._R._Tolkien
The_Hobbit|Novel|1937|J._R._R._Tolkien
Nineteen_Eighty-Four|Novel|1949|George_Orwell
Animal_Farm|Novel|1945|George_Orwell
The_Catcher_in_the_Rye|Novel|1951|J._D._Salinger
The_Old_Man_and_the_Sea|Novel|1952|Ernest_Hemingway
For_Whom_the_Bell_Tolls|Novel|1940|Ernest_Hemingway
The_Martian_Chronicles|Book|1950|Ray_Bradbury
Fahrenheit_451|Novel|1953-10|Ray_Bradbury
Lord_of_the_Flies|Novel|1954|William_Golding
Lolita|Novel|1955-09|Vladimir_Nabokov
Pale_Fire|Novel|1962|Vladimir_Nabokov
On_the_Road|Novel|1957|Jack_Kerouac
Doctor_Zhivago_(novel)|Novel|1957|Boris_Pasternak
Things_Fall_Apart|Novel|1958|Chinua_Achebe
To_Kill_a_Mockingbird|Novel|1960-07-11|Harper_Lee
Go_Set_a_Watchman|Novel|2015|Harper_Lee
Catch-22|Novel|1961-11|Joseph_Heller
One_Flew_Over_the_Cuckoo's_Nest_(novel)|Novel|1962|Ken_Kesey
A_Clockwork_Orange_(novel)|Novel|1962|Anthony_Burgess
The_Bell_Jar|Novel|1963|Sylvia_Plath
Dune_(novel)|Novel|1965-08|Frank_Herbert
Breakfast_at_Tiffany's_(novella)|Book|1958|Truman_Capote
In_Cold_Blood|Book|1966|Truman_Capote
One_Hundred_Years_of_Solitude|Novel|1967|Gabriel_García_Márquez
Love_in_the_Time_of_Cholera|Novel|1985|Gabriel_García_Márquez
Cat's_Cradle|Novel|1963|Kurt_Vonnegut
Slaughterhouse-Five|Novel|1969|Kurt_Vonnegut
The_Godfather_(novel)|Novel|1969|Mario_Puzo
Gravity's_Rainbow|Novel|1973|Thomas_Pynchon
Jaws_(novel)|Novel|1974|Peter_Benchley
Carrie_(novel)|Novel|1974|Stephen_King
The_Shining_(novel)|Novel|1977|Stephen_King
The_Stand|Novel|1978|Stephen_King
Pet_Sematary|Novel|1983|Stephen_King
It_(novel)|Novel|1986-09|Stephen_King
Misery_(novel)|Novel|1987|Stephen_King
The_Colour_of_Magic|Novel|1983|Terry_Pratchett
Guards!_Guards!|Novel|1989|Terry_Pratchett
Good_Omens|Novel|1990|Terry_Pratchett;Neil_Gaiman
American_Gods|Novel|2001|Neil_Gaiman
Coraline|Book|2002|Neil_Gaiman
The_Ocean_at_the_End_of_the_Lane|Novel|2013|Neil_Gaiman
The_Hitchhiker's_Guide_to_the_Galaxy_(novel)|Novel|1979|Douglas_Adams
The_Name_of_the_Rose|Novel|1980|Umberto_Eco
Midnight's_Children|Novel|1981|Salman_Rushdie
The_Satanic_Verses|Novel|1988|Salman_Rushdie
The_Color_Purple|Novel|1982|Alice_Walker
Neuromancer|Novel|1984|William_Gibson
The_Handmaid's_Tale|Novel|1985|Margaret_Atwood
Oryx_and_Crake|Novel|2003|Margaret_Atwood
The_Testaments|Novel|2019|Margaret_Atwood
The_Bluest_Eye|Novel|1970|Toni_Morrison
Song_of_Solomon_(novel)|Novel|1977|Toni_Morrison
Beloved_(novel)|Novel|1987|Toni_Morrison
Norwegian_Wood_(novel)|Novel|1987|Haruki_Murakami
Kafka_on_the_Shore|Novel|2002|Haruki_Murakami
The_Remains_of_the_Day|Novel|1989|Kazuo_Ishiguro
Never_Let_Me_Go_(novel)|Novel|2005|Kazuo_Ishiguro
Klara_and_the_Sun|Novel|2021|Kazuo_Ishiguro
Jurassic_Park_(novel)|Novel|1990|Michael_Crichton
The_Secret_History|Novel|1992|Donna_Tartt
The_Goldfinch_(novel)|Novel|2013|Donna_Tartt
Harry_Potter_and_the_Philosopher's_Stone|Novel|1997-06-26|J._K._Rowling
Harry_Potter_and_the_Chamber_of_Secrets|Novel|1998|J._K._Rowling
Harry_Potter_and_the_Prisoner_of_Azkaban|Novel|1999|J._K._Rowling
Harry_Potter_and_the_Goblet_of_Fire|Novel|2000|J._K._Rowling
Harry_Potter_and_the_Order_of_the_Phoenix|Novel|2003|J._K._Rowling
Harry_Potter_and_the_Half-Blood_Prince|Novel|2005|J._K._Rowling
Harry_Potter_and_the_Deathly_Hallows|Novel|2007-07-21|J._K._Rowling
The_Da_Vinci_Code|Novel|2003|Dan_Brown
The_Kite_Runner|Novel|2003|Khaled_Hosseini
Blood_Meridian|Novel|1985|Cormac_McCarthy
All_the_Pretty_Horses_(novel)|Novel|1992|Cormac_McCarthy
No_Country_for_Old_Men|Novel|2005|Cormac_McCarthy
The_Road|Novel|2006|Cormac_McCarthy
The_Hunger_Games_(novel)|Novel|2008|Suzanne_Collins
Wolf_Hall|Novel|2009|Hilary_Mantel
Gone_Girl_(novel)|Novel|2012|Gillian_Flynn
The_Fault_in_Our_Stars|Novel|2012|John_Green
Normal_People|Novel|2018|Sally_Rooney
Where_the_Crawdads_Sing|Novel|2018|Delia_Owens
Charlie_and_the_Chocolate_Factory|Novel|1964|Roald_Dahl
The_BFG|Novel|1982|Roald_Dahl
Matilda_(novel)|Novel|1988|Roald_Dahl
The_Very_Hungry_Caterpillar|Book|1969|Eric_Carle
Where_the_Wild_Things_Are|Book|1963|Maurice_Sendak
The_Cat_in_the_Hat|Book|1957|Dr._Seuss
How_the_Grinch_Stole_Christmas!|Book|1957|Dr._Seuss
Green_Eggs_and_Ham|Book|1960|Dr._Seuss
The_Lion,_the_Witch_and_the_Wardrobe|Novel|1950-10-16|C._S._Lewis
I,_Robot|Book|1950|Isaac_Asimov
Atlas_Shrugged|Novel|1957|Ayn_Rand
East_of_Eden_(novel)|Novel|1952|John_Steinbeck
Invisible_Man|Novel|1952|Ralph_Ellison
Giovanni's_Room|Novel|1956|James_Baldwin
Wide_Sargasso_Sea|Novel|1966|Jean_Rhys
The_Outsiders_(novel)|Novel|1967|S._E._Hinton
2001:_A_Space_Odyssey_(novel)|Novel|1968|Arthur_C._Clarke
Do_Androids_Dream_of_Electric_Sheep?|Novel|1968|Philip_K._Dick
A_Wizard_of_Earthsea|Novel|1968|Ursula_K._Le_Guin
The_Left_Hand_of_Darkness|Novel|1969|Ursula_K._Le_Guin
Watership_Down|Novel|1972|Richard_Adams
Roots:_The_Saga_of_an_American_Family|Book|1976|Alex_Haley
The_World_According_to_Garp|Novel|1978|John_Irving
A_Confederacy_of_Dunces|Novel|1980|John_Kennedy_Toole
White_Noise_(novel)|Novel|1985|Don_DeLillo
The_Bonfire_of_the_Vanities|Novel|1987|Tom_Wolfe
American_Psycho|Novel|1991|Bret_Easton_Ellis
The_Shipping_News|Novel|1993|Annie_Proulx
Infinite_Jest|Novel|1996|David_Foster_Wallace
A_Game_of_Thrones|Novel|1996|George_R._R._Martin
The_God_of_Small_Things|Novel|1997|Arundhati_Roy
Life_of_Pi|Novel|2001|Yann_Martel
The_Corrections|Novel|2001|Jonathan_Franzen
Atonement_(novel)|Novel|2001|Ian_McEwan
The_Curious_Incident_of_the_Dog_in_the_Night-Time|Novel|2003|Mark_Haddon
Cloud_Atlas_(novel)|Novel|2004|David_Mitchell_(author)
The_Book_Thief|Novel|2005|Markus_Zusak
Twilight_(Meyer_novel)|Novel|2005|Stephenie_Meyer
The_Girl_with_the_Dragon_Tattoo|Novel|2005|Stieg_Larsson
A_Little_Life|Novel|2015|Hanya_Yanagihara
The_Underground_Railroad_(novel)|Novel|2016|Colson_Whitehead
Hamnet_(novel)|Novel|2020|Maggie_O'Farrell
The_Midnight_Library|Novel|2020|Matt_Haig
Pride_and_Prejudice|Novel|1813-01-28|Jane_Austen
The_Great_Gatsby|Novel|1925-04-10|F._Scott_Fitzgerald
Brave_New_World|Novel|1932|Aldous_Huxley
Project_Hail_Mary|Novel|2021|Andy_Weir
Tomorrow,_and_Tomorrow,_and_Tomorrow|Novel|2022|Gabrielle_Zevin
# songs: dbo:artist (dbo:musicalArtist where marked)
I_Want_to_Hold_Your_Hand|Song|1963-11-29|The_Beatles
She_Loves_You|Song|1963|The_Beatles
A_Hard_Day's_Night_(song)|Song|1964|The_Beatles
Help!_(song)|Song|1965|The_Beatles
Yesterday_(Beatles_song)|Song|1965|The_Beatles
Eleanor_Rigby|Song|1966|The_Beatles
Penny_Lane|Song|1967|The_Beatles
Strawberry_Fields_Forever|Song|1967|The_Beatles
All_You_Need_Is_Love|Song|1967|The_Beatles
Hey_Jude|Song|1968-08-26|The_Beatles
Come_Together|Song|1969|The_Beatles
Something_(Beatles_song)|Song|1969|The_Beatles
Here_Comes_the_Sun|Song|1969|The_Beatles
Let_It_Be_(song)|Song|1970|The_Beatles
(I_Can't_Get_No)_Satisfaction|Song|1965|The_Rolling_Stones
Paint_It_Black|Song|1966|The_Rolling_Stones
Sympathy_for_the_Devil|Song|1968|The_Rolling_Stones
Gimme_Shelter|Song|1969|The_Rolling_Stones
Angie_(song)|Song|1973|The_Rolling_Stones
Start_Me_Up|Song|1981|The_Rolling_Stones
Killer_Queen|Song|1974|Queen_(band)
Bohemian_Rhapsody|Song|1975-10-31|Queen_(band)
Somebody_to_Love_(Queen_song)|Song|1976|Queen_(band)
We_Will_Rock_You|Song|1977|Queen_(band)
We_Are_the_Champions|Song|1977|Queen_(band)
Don't_Stop_Me_Now|Song|1979|Queen_(band)
Another_One_Bites_the_Dust|Song|1980|Queen_(band)
Under_Pressure|Song|1981|Queen_(band);David_Bowie
Radio_Ga_Ga|Song|1984|Queen_(band)
Space_Oddity|Song|1969-07-11|David_Bowie
Ashes_to_Ashes_(David_Bowie_song)|Song|1980-08-01|David_Bowie
Starman_(song)|Song|1972|David_Bowie
"Heroes"_(David_Bowie_song)|Song|1977|David_Bowie
Let's_Dance_(David_Bowie_song)|Song|1983|David_Bowie
Rock_with_You|Song|1979|Michael_Jackson
Don't_Stop_'Til_You_Get_Enough|Song|1979|Michael_Jackson
The_Girl_Is_Mine|Song|1982|Michael_Jackson;Paul_McCartney
Billie_Jean|Song|1983-01-02|Michael_Jackson
Beat_It|Song|1983|Michael_Jackson
Say_Say_Say|Song|1983|Paul_McCartney;Michael_Jackson
Smooth_Criminal|Song|1988|Michael_Jackson
Man_in_the_Mirror|Song|1988|Michael_Jackson
Black_or_White|Song|1991|Michael_Jackson
Ebony_and_Ivory|Song|1982|Paul_McCartney;Stevie_Wonder
Superstition_(song)|Song|1972|Stevie_Wonder
I_Just_Called_to_Say_I_Love_You|Song|1984|Stevie_Wonder
Your_Song|Song|1970|Elton_John
Crocodile_Rock|Song|1972|Elton_John
Don't_Go_Breaking_My_Heart|Song|1976|Elton_John;Kiki_Dee
Jolene_(song)|Song|1973|Dolly_Parton
9_to_5_(Dolly_Parton_song)|Song|1980|Dolly_Parton
Islands_in_the_Stream_(song)|Song|1983|Kenny_Rogers;Dolly_Parton
Endless_Love_(song)|Song|1981|Diana_Ross;Lionel_Richie
All_Night_Long_(All_Night)|Song|1983|Lionel_Richie
Hello_(Lionel_Richie_song)|Song|1984|Lionel_Richie
Heartbreak_Hotel|Song|1956-01-27|Elvis_Presley|musicalArtist
Love_Me_Tender_(song)|Song|1956|Elvis_Presley|musicalArtist
Jailhouse_Rock_(song)|Song|1957|Elvis_Presley|musicalArtist
Can't_Help_Falling_in_Love|Song|1961|Elvis_Presley|musicalArtist
Suspicious_Minds|Song|1969|Elvis_Presley|musicalArtist
Maybellene|Song|1955|Chuck_Berry|musicalArtist
Johnny_B._Goode|Song|1958|Chuck_Berry|musicalArtist
Rock_Around_the_Clock|Song|1954|Bill_Haley_&_His_Comets|musicalArtist
Tutti_Frutti_(song)|Song|1955|Little_Richard|musicalArtist
What'd_I_Say|Song|1959|Ray_Charles|musicalArtist
Hit_the_Road_Jack|Song|1961|Ray_Charles|musicalArtist
Blowin'_in_the_Wind|Song|1963|Bob_Dylan
The_Times_They_Are_a-Changin'_(song)|Song|1964|Bob_Dylan
Like_a_Rolling_Stone|Song|1965-07-20|Bob_Dylan
Knockin'_on_Heaven's_Door|Song|1973|Bob_Dylan
Mrs._Robinson|Song|1968|Simon_&_Garfunkel
Bridge_over_Troubled_Water_(song)|Song|1970|Simon_&_Garfunkel
Surfin'_U.S.A.|Song|1963|The_Beach_Boys
Good_Vibrations|Song|1966|The_Beach_Boys
God_Only_Knows|Song|1966|The_Beach_Boys
Hotel_California_(song)|Song|1977|Eagles_(band)
Stairway_to_Heaven|Song|1971|Led_Zeppelin
Smells_Like_Teen_Spirit|Song|1991-09-10|Nirvana_(band)
Wonderwall_(song)|Song|1995|Oasis_(band)
Imagine_(John_Lennon_song)|Song|1971|John_Lennon
Purple_Haze|Song|1967|The_Jimi_Hendrix_Experience
I_Will_Survive|Song|1978|Gloria_Gaynor
Stayin'_Alive|Song|1977|Bee_Gees
Waterloo_(ABBA_song)|Song|1974|ABBA
Dancing_Queen|Song|1976|ABBA
Africa_(Toto_song)|Song|1982|Toto_(band)
Livin'_on_a_Prayer|Song|1986|Bon_Jovi
Every_Breath_You_Take|Song|1983|The_Police
With_or_Without_You|Song|1987|U2
Losing_My_Religion|Song|1991|R.E.M.
Creep_(Radiohead_song)|Song|1992|Radiohead
Karma_Police|Song|1997|Radiohead
Like_a_Virgin_(song)|Song|1984|Madonna
Material_Girl|Song|1985|Madonna
Like_a_Prayer_(song)|Song|1989|Madonna
Vogue_(Madonna_song)|Song|1990|Madonna
When_Doves_Cry|Song|1984|Prince_(musician)
Purple_Rain_(song)|Song|1984|Prince_(musician)
Kiss_(Prince_song)|Song|1986|Prince_(musician)
I_Wanna_Dance_with_Somebody_(Who_Loves_Me)|Song|1987|Whitney_Houston
Rolling_in_the_Deep|Song|2010|Adele
Someone_Like_You_(Adele_song)|Song|2011|Adele
Hello_(Adele_song)|Song|2015|Adele
Easy_on_Me|Song|2021|Adele
Thinking_Out_Loud|Song|2014|Ed_Sheeran
Shape_of_You|Song|2017|Ed_Sheeran
Bad_Habits_(Ed_Sheeran_song)|Song|2021|Ed_Sheeran
Blinding_Lights|Song|2019|The_Weeknd
Save_Your_Tears|Song|2020|The_Weeknd
Love_Story_(Taylor_Swift_song)|Song|2008|Taylor_Swift
You_Belong_with_Me|Song|2009|Taylor_Swift
Shake_It_Off|Song|2014|Taylor_Swift
Blank_Space|Song|2014|Taylor_Swift
Anti-Hero_(song)|Song|2022|Taylor_Swift
Drivers_License|Song|2021|Olivia_Rodrigo
Happy_(Pharrell_Williams_song)|Song|2013|Pharrell_Williams
Get_Lucky_(Daft_Punk_song)|Song|2013|Daft_Punk;Pharrell_Williams;Nile_Rodgers
Hips_Don't_Lie|Song|2006|Shakira;Wyclef_Jean
Gangnam_Style|Song|2012|Psy
Levitating_(song)|Song|2020|Dua_Lipa
Poker_Face_(Lady_Gaga_song)|Song|2008|Lady_Gaga
Bad_Romance|Song|2009|Lady_Gaga
Telephone_(song)|Song|2010|Lady_Gaga;Beyoncé
Crazy_in_Love|Song|2003|Beyoncé;Jay-Z
Single_Ladies_(Put_a_Ring_on_It)|Song|2008|Beyoncé
If_I_Were_a_Boy|Song|2008|Beyoncé
Empire_State_of_Mind|Song|2009|Jay-Z;Alicia_Keys
Run_This_Town|Song|2009|Jay-Z;Rihanna;Kanye_West
Fallin'|Song|2001|Alicia_Keys
Umbrella_(song)|Song|2007|Rihanna;Jay-Z
Diamonds_(Rihanna_song)|Song|2012|Rihanna
Gold_Digger|Song|2005|Kanye_West;Jamie_Foxx
Stronger_(Kanye_West_song)|Song|2007|Kanye_West
Despacito|Song|2017|Luis_Fonsi;Daddy_Yankee
Uptown_Funk|Song|2014|Mark_Ronson;Bruno_Mars
Just_the_Way_You_Are_(Bruno_Mars_song)|Song|2010|Bruno_Mars
White_Christmas_(song)|Song|1942|Bing_Crosby
Over_the_Rainbow|Song|1939|Judy_Garland
Strange_Fruit|Song|1939|Billie_Holiday
"""

# Synthetic records, one defect each: (title, defect).
BAD_RECORDS: tuple[tuple[str, str], ...] = (
    ("Sample_work_film_without_director", "a dbo:Film with dbo:writer but no dbo:director"),
    ("Sample_work_song_without_artist", "a dbo:Song with no creator at all"),
    ("Sample_work_song_malformed_release_date", 'dbo:releaseDate "1999-02-30"^^xsd:date: 30 February'),
    ("Sample_work_book_malformed_release_year", 'dbo:releaseDate "19x5"^^xsd:gYear is not a year'),
    ("Sample_work_book_no_english_label", "rdfs:label only in German"),
)
BAD_CREATOR = "Sample_creator"


@dataclass(frozen=True)
class Work:
    title: str
    dbo_class: str
    release: str
    creators: tuple[str, ...]
    creator_property: str


def works() -> list[Work]:
    found = []
    for line in WORKS_TABLE.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split("|") + [""]
        title, cls, release, creators, prop = (f.strip() for f in fields[:5])
        found.append(
            Work(title, cls, release, tuple(c for c in creators.split(";") if c), prop or DEFAULT_CREATOR_PROPERTY[cls])
        )
    return found


def release_literal(value: str) -> str:
    """The N-Triples literal of a table release: xsd:date, xsd:gYearMonth or xsd:gYear by its precision."""
    datatype = {3: "date", 2: "gYearMonth", 1: "gYear"}[len(value.split("-"))]
    return f"{literal(value)}^^<{XSD}{datatype}>"


def work_triples(work: Work) -> list[str]:
    s = resource_iri(work.title)
    lines = typed_resource_triples(work.title, work.dbo_class)
    lines.append(triple(s, dbo("releaseDate"), release_literal(work.release)))
    lines += [triple(s, dbo(work.creator_property), f"<{resource_iri(c)}>") for c in work.creators]
    return lines


def bad_triples() -> list[str]:
    def work(title: str, cls: str, release: str, datatype: str, label: tuple[str, str] | None = None) -> list[str]:
        return [
            *typed_resource_triples(title, cls, label, owl_thing=False),
            triple(resource_iri(title), dbo("releaseDate"), f"{literal(release)}^^<{XSD}{datatype}>"),
        ]

    def link(title: str, prop: str) -> str:
        return triple(resource_iri(title), dbo(prop), f"<{resource_iri(BAD_CREATOR)}>")

    return [
        *work("Sample_work_film_without_director", "Film", "2000", "gYear"),
        link("Sample_work_film_without_director", "writer"),
        *work("Sample_work_song_without_artist", "Song", "2000", "gYear"),
        *work("Sample_work_song_malformed_release_date", "Song", "1999-02-30", "date"),
        link("Sample_work_song_malformed_release_date", "artist"),
        *work("Sample_work_book_malformed_release_year", "Novel", "19x5", "gYear"),
        link("Sample_work_book_malformed_release_year", "author"),
        *work(
            "Sample_work_book_no_english_label",
            "Novel",
            "1990",
            "gYear",
            label=("Beispielbuch ohne englischen Titel", "de"),
        ),
        link("Sample_work_book_no_english_label", "author"),
        *label_triples({BAD_CREATOR}),
    ]


def art_entertainment_part(max_cities: int | None = None) -> SamplePart:
    """Films, books and songs released around 1950 .. 2020, their creators, and bad records."""
    everything = works()
    titles = [w.title for w in everything]
    if len(set(titles)) != len(titles):
        raise ValueError("a work is listed twice in WORKS_TABLE")
    triples = [t for w in everything for t in work_triples(w)]
    triples += label_triples({c for w in everything for c in w.creators})
    triples += bad_triples()
    views = lognormal_views(
        DATASET,
        [w.title for w in everything],
        TYPICAL_VIEWS,
        FEW_VIEWS,
        LOW_VIEWS,
        NO_VIEWS,
        {t: BAD_RECORD_VIEWS for t, _ in BAD_RECORDS},
    )
    years = [int(w.release.split("-")[0]) for w in everything]
    precision = [len(w.release.split("-")) for w in everything]
    by_creator: dict[str, int] = {}
    for w in everything:
        for c in w.creators:
            by_creator[c] = by_creator.get(c, 0) + 1
    kinds = {"Film": "films", "Novel": "books", "Book": "books", "Song": "songs"}
    manifest = {
        "generator": {"typical_views": TYPICAL_VIEWS, "few_views": list(FEW_VIEWS), "no_views": list(NO_VIEWS)},
        "licenses": {
            "works": "hand-entered well-known facts (titles, release dates, creators, DBpedia class)",
            "pageviews": "synthetic",
        },
        "counts": {
            **{name: sum(1 for w in everything if kinds[w.dbo_class] == name) for name in ("films", "books", "songs")},
            "released_before_1950": sum(1 for y in years if y < 1950),
            "released_after_2020": sum(1 for y in years if y > 2020),
            "release_day_precision": precision.count(3),
            "release_month_precision": precision.count(2),
            "release_year_precision": precision.count(1),
            "works_with_several_creators": sum(1 for w in everything if len(w.creators) > 1),
            "creators": len(by_creator),
            "creators_with_several_works": sum(1 for n in by_creator.values() if n > 1),
            "bad_records": len(BAD_RECORDS),
            "triples": len(set(triples)),
        },
        "good_titles": [w.title for w, y in zip(everything, years) if 1950 <= y <= 2020],
        "bad_records": [{"title": t, "defect": d} for t, d in BAD_RECORDS],
    }
    return SamplePart(DATASET, {WORKS_FILE: gzip_bytes(sorted_text(triples))}, views, manifest)
