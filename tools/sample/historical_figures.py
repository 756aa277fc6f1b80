"""The historical_figures share of the bundled sample: people with death dates, in DBpedia's vocabulary.

- people: a declared table of well-known people (title, most specific DBpedia person class, death, birth, and for
  some an occupation), hand-entered from well-established facts. Dates are written in HISTORICAL numbering in the
  table ("-44-03-15" is 15 March 44 BCE; a bare year where the day is not certain) and as DBpedia-style literals in
  the N-Triples, with ASTRONOMICAL years (``"-0043-03-15"^^xsd:date``, ``"-0099"^^xsd:gYear``): the reading the
  builder defaults to. A full date becomes ``dbo:deathDate`` (xsd:date), a bare year ``dbo:deathYear``
  (xsd:gYear); likewise for births. Every person has ``a dbo:Person`` and the classes up to it (as DBpedia
  materialises them) and an English label (the title with spaces). Some people died before 1000 BCE or after
  2000 CE, for the range rule; people typed only dbo:Person with no occupation fall to the occupation rule.
- occupations: for people typed dbo:Person only (and a few others), ``dbo:occupation`` links to a resource with an
  English label (``dbr:Explorer "Explorer"@en``).
- synthetic bad records, named ``Sample_person_...``, one defect each.
- pageviews: SYNTHETIC, seeded log-normal totals; a declared few fall under the threshold or have no lines.

Deterministic: seeded RNG, sorted output, gzip without a timestamp.
"""

from __future__ import annotations

import math
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

DATASET = "historical_figures"
PEOPLE_FILE = "dbpedia/historical_figures.nt.gz"
TYPICAL_VIEWS = 400_000.0  # median synthetic total over the window
BAD_RECORD_VIEWS = 50_000.0
LOW_VIEWS = 2_000.0  # under the builder's threshold of 5,000

# Real people given a synthetic total under the threshold, and two with no pageview lines at all.
FEW_VIEWS = (
    "Jugurtha",
    "Publius_Clodius_Pulcher",
    "Gaius_Cassius_Longinus",
    "Odoacer",
    "Offa_of_Mercia",
    "Alexios_I_Komnenos",
    "Gregory_of_Tours",
    "Christoph_Willibald_Gluck",
    "Edmond_Halley",
    "Catiline",
)
NO_VIEWS = ("Emperor_Taizu_of_Song", "Anselm_of_Canterbury")

# title | most specific class | died | born | occupation (a resource title)
# Years are historical: -44 is 44 BCE. "YYYY-MM-DD" where the day is well established, else the year.
PEOPLE_TABLE = """\
# before the range (dropped)
Ramesses_II|Monarch|-1213|
Tutankhamun|Monarch|-1323|
# 1000 BCE .. 1 BCE
Nebuchadnezzar_II|Monarch|-562|
Cyrus_the_Great|Monarch|-530|
Cambyses_II|Monarch|-522|
Darius_the_Great|Monarch|-486|
Leonidas_I|Monarch|-480|
Confucius|Philosopher|-479|-551
Xerxes_I|Monarch|-465|
Pericles|Politician|-429|
Euripides|Writer|-406|
Alcibiades|MilitaryPerson|-404|
Socrates|Philosopher|-399|
Philip_II_of_Macedon|Monarch|-336|-382
Alexander_the_Great|Monarch|-323|-356
Diogenes|Philosopher|-323|
Aristotle|Philosopher|-322|-384
Demosthenes|Politician|-322|-384
Ptolemy_I_Soter|Monarch|-282|
Seleucus_I_Nicator|Monarch|-281|
Pyrrhus_of_Epirus|Monarch|-272|
Epicurus|Philosopher|-270|-341
Ashoka|Monarch|-232|
Archimedes|Scientist|-212|
Qin_Shi_Huang|Monarch|-210|-259
Emperor_Gaozu_of_Han|Monarch|-195|
Antiochus_III_the_Great|Monarch|-187|
Scipio_Africanus|MilitaryPerson|-183|-236
Cato_the_Elder|Politician|-149|-234
Tiberius_Gracchus|Politician|-133|
Gaius_Gracchus|Politician|-121|
Jugurtha|Monarch|-104|
Emperor_Wu_of_Han|Monarch|-87|-156
Gaius_Marius|MilitaryPerson|-86|-157
Sulla|Politician|-78|
Spartacus|MilitaryPerson|-71|
Mithridates_VI_Eupator|Monarch|-63|
Catiline|Politician|-62|
Marcus_Licinius_Crassus|Politician|-53|
Publius_Clodius_Pulcher|Politician|-52|
Pompey|MilitaryPerson|-48|-106
Cato_the_Younger|Politician|-46|-95
Vercingetorix|Monarch|-46|
Julius_Caesar|Politician|-44-03-15|-100
Cicero|Politician|-43-12-07|-106-01-03
Marcus_Junius_Brutus|Politician|-42|-85
Gaius_Cassius_Longinus|Politician|-42|
Cleopatra|Monarch|-30|-69
Mark_Antony|Politician|-30|-83
Virgil|Poet|-19|-70
Marcus_Vipsanius_Agrippa|MilitaryPerson|-12|-63
Gaius_Maecenas|Politician|-8|
Horace|Poet|-8|-65
Herod_the_Great|Monarch|-4|
# 1 CE .. 999 CE
Augustus|Monarch|14-08-19|-63-09-23
Livy|Writer|17|-59
Tiberius|Monarch|37-03-16|-42-11-16
Caligula|Monarch|41-01-24|12-08-31
Claudius|Monarch|54-10-13|-10-08-01
Seneca_the_Younger|Philosopher|65|
Nero|Monarch|68-06-09|37-12-15
Vespasian|Monarch|79-06-23|9-11-17
Pliny_the_Elder|Writer|79|
Titus|Monarch|81-09-13|39-12-30
Domitian|Monarch|96-09-18|51-10-24
Trajan|Monarch|117|53
Hadrian|Monarch|138-07-10|76-01-24
Marcus_Aurelius|Monarch|180-03-17|121-04-26
Commodus|Monarch|192-12-31|161-08-31
Septimius_Severus|Monarch|211-02-04|145-04-11
Caracalla|Monarch|217-04-08|188-04-04
Cao_Cao|MilitaryPerson|220-03-15|155
Liu_Bei|Monarch|223-06-10|161
Zhuge_Liang|Politician|234|181
Constantine_the_Great|Monarch|337-05-22|
Theodosius_I|Monarch|395-01-17|347-01-11
Jerome|Saint|420-09-30|
Augustine_of_Hippo|Saint|430-08-28|354-11-13
Attila|Monarch|453|
Odoacer|Monarch|493-03-15|433
Clovis_I|Monarch|511|
Boethius|Philosopher|524|
Theodoric_the_Great|Monarch|526-08-30|454
Justinian_I|Monarch|565-11-14|482
Belisarius|MilitaryPerson|565|
Gregory_of_Tours|Saint|594-11-17|
Pope_Gregory_I|Pope|604-03-12|
Muhammad|Person|632-06-08||Prophet
Abu_Bakr|Monarch|634-08-23|
Heraclius|Monarch|641-02-11|
Umar|Monarch|644|
Emperor_Taizong_of_Tang|Monarch|649-07-10|598
Ali|Monarch|661|
Husayn_ibn_Ali|Person|680-10-10||Imam
Wu_Zetian|Monarch|705-12-16|624
Bede|Saint|735-05-26|
Charles_Martel|MilitaryPerson|741-10-22|
Li_Bai|Poet|762|701
Pepin_the_Short|Monarch|768-09-24|
Du_Fu|Poet|770|712
Offa_of_Mercia|Monarch|796-07-29|
Harun_al-Rashid|Monarch|809-03-24|
Charlemagne|Monarch|814-01-28|
Louis_the_Pious|Monarch|840-06-20|778
Alfred_the_Great|Monarch|899-10-26|849
Emperor_Taizu_of_Song|Monarch|976-11-14|927-03-21
Hugh_Capet|Monarch|996-10-24|
# 1000 .. 1499
Brian_Boru|Monarch|1014-04-23|
Vladimir_the_Great|Monarch|1015-07-15|
Æthelred_the_Unready|Monarch|1016-04-23|
Basil_II|Monarch|1025-12-15|958
Olaf_II_of_Norway|Saint|1030-07-29|
Avicenna|Philosopher|1037|
Macbeth,_King_of_Scotland|Monarch|1057-08-15|
Edward_the_Confessor|Monarch|1066-01-05|
Harald_Hardrada|Monarch|1066-09-25|
Harold_Godwinson|Monarch|1066-10-14|
Wang_Anshi|Politician|1086|
William_the_Conqueror|Monarch|1087-09-09|
El_Cid|MilitaryPerson|1099-07-10|
Pope_Urban_II|Pope|1099-07-29|
Godfrey_of_Bouillon|MilitaryPerson|1100-07-18|
Su_Shi|Poet|1101-08-24|1037-01-08
Anselm_of_Canterbury|Saint|1109-04-21|
Alexios_I_Komnenos|Monarch|1118-08-15|
Omar_Khayyam|Poet|1131-12-04|1048-05-18
Yue_Fei|MilitaryPerson|1142|1103
Peter_Abelard|Philosopher|1142-04-21|1079
Bernard_of_Clairvaux|Saint|1153-08-20|1090
Thomas_Becket|Saint|1170-12-29|
Hildegard_of_Bingen|Saint|1179-09-17|1098
Henry_II_of_England|Monarch|1189-07-06|1133-03-05
Frederick_Barbarossa|Monarch|1190-06-10|
Saladin|Monarch|1193-03-04|1137
Averroes|Philosopher|1198|1126
Minamoto_no_Yoritomo|MilitaryPerson|1199-02-09|1147
Richard_I_of_England|Monarch|1199-04-06|1157-09-08
Eleanor_of_Aquitaine|Royalty|1204-04-01|
Maimonides|Philosopher|1204-12-12|
Pope_Innocent_III|Pope|1216-07-16|
John,_King_of_England|Monarch|1216-10-19|1166-12-24
Francis_of_Assisi|Saint|1226-10-03|
Genghis_Khan|Monarch|1227|
Louis_IX_of_France|Monarch|1270-08-25|1214-04-25
Rumi|Poet|1273-12-17|1207-09-30
Thomas_Aquinas|Saint|1274-03-07|1225
Roger_Bacon|Philosopher|1292|
Kublai_Khan|Monarch|1294-02-18|1215-09-23
William_Wallace|MilitaryPerson|1305-08-23|
Edward_I_of_England|Monarch|1307-07-07|1239-06-17
Dante_Alighieri|Poet|1321|1265
Marco_Polo|Person|1324-01-08|1254|Explorer
Robert_the_Bruce|Monarch|1329-06-07|1274-07-11
Giotto|Painter|1337-01-08|
William_of_Ockham|Philosopher|1347-04-10|
Petrarch|Poet|1374-07-19|1304-07-20
Giovanni_Boccaccio|Writer|1375-12-21|1313
Edward_the_Black_Prince|MilitaryPerson|1376-06-08|1330-06-15
Edward_III_of_England|Monarch|1377-06-21|1312-11-13
Hongwu_Emperor|Monarch|1398-06-24|1328-10-21
Geoffrey_Chaucer|Poet|1400-10-25|
Timur|Monarch|1405|
Ibn_Khaldun|Philosopher|1406-03-17|1332-05-27
Jan_Hus|Cleric|1415-07-06|
Henry_V_of_England|Monarch|1422-08-31|1386-09-16
Joan_of_Arc|MilitaryPerson|1431-05-30|1412
Jan_van_Eyck|Painter|1441-07-09|
Filippo_Brunelleschi|Architect|1446-04-15|1377
Donatello|Sculptor|1466-12-13|
Johannes_Gutenberg|Person|1468-02-03||Inventor
Mehmed_II|Monarch|1481-05-03|1432-03-30
Richard_III_of_England|Monarch|1485-08-22|1452-10-02
Lorenzo_de'_Medici|Politician|1492-04-08|1449-01-01
Girolamo_Savonarola|Cleric|1498-05-23|
# 1500 .. 1799
Isabella_I_of_Castile|Monarch|1504-11-26|1451-04-22
Christopher_Columbus|Person|1506-05-20|1451|Explorer
Sandro_Botticelli|Painter|1510-05-17|
Amerigo_Vespucci|Person|1512-02-22||Explorer
Hieronymus_Bosch|Painter|1516|
Leonardo_da_Vinci|Painter|1519-05-02|1452-04-15
Raphael|Painter|1520-04-06|1483
Ferdinand_Magellan|Person|1521-04-27||Explorer
Vasco_da_Gama|Person|1524-12-24||Explorer
Niccolò_Machiavelli|Philosopher|1527-06-21|1469-05-03
Albrecht_Dürer|Painter|1528-04-06|1471-05-21
Thomas_More|Saint|1535-07-06|1478-02-07
Anne_Boleyn|Royalty|1536-05-19|
Erasmus|Philosopher|1536-07-12|
Paracelsus|Scientist|1541-09-24|
Nicolaus_Copernicus|Scientist|1543-05-24|1473-02-19
Martin_Luther|Cleric|1546-02-18|1483-11-10
Henry_VIII|Monarch|1547-01-28|1491-06-28
Hernán_Cortés|Person|1547-12-02|1485|Conquistador
Ignatius_of_Loyola|Saint|1556-07-31|
Charles_V,_Holy_Roman_Emperor|Monarch|1558-09-21|1500-02-24
Michelangelo|Sculptor|1564-02-18|1475-03-06
John_Calvin|Cleric|1564-05-27|1509-07-10
Suleiman_the_Magnificent|Monarch|1566-09-06|1494-11-06
Pieter_Bruegel_the_Elder|Painter|1569-09-09|
Titian|Painter|1576-08-27|
Oda_Nobunaga|MilitaryPerson|1582-06-21|1534
Ivan_the_Terrible|Monarch|1584|1530
Mary,_Queen_of_Scots|Monarch|1587-02-08|1542-12-08
Catherine_de'_Medici|Royalty|1589-01-05|1519-04-13
Christopher_Marlowe|Writer|1593-05-30|1564
Francis_Drake|Person|1596-01-28||Explorer
Philip_II_of_Spain|Monarch|1598-09-13|1527-05-21
Giordano_Bruno|Philosopher|1600-02-17|1548
Tycho_Brahe|Scientist|1601-10-24|1546-12-14
Elizabeth_I|Monarch|1603-03-24|1533-09-07
Akbar|Monarch|1605|1542-10-15
Guy_Fawkes|Person|1606-01-31|1570-04-13
Henry_IV_of_France|Monarch|1610-05-14|1553-12-13
Caravaggio|Painter|1610-07-18|1571-09-29
El_Greco|Painter|1614-04-07|1541
William_Shakespeare|Writer|1616-04-23|1564
Miguel_de_Cervantes|Writer|1616|1547
Tokugawa_Ieyasu|MilitaryPerson|1616|1543
Pocahontas|Person|1617|
Walter_Raleigh|Person|1618-10-29||Explorer
James_VI_and_I|Monarch|1625-03-27|1566-06-19
Francis_Bacon|Philosopher|1626-04-09|1561-01-22
Johannes_Kepler|Scientist|1630-11-15|1571-12-27
Gustavus_Adolphus|Monarch|1632|1594
Peter_Paul_Rubens|Painter|1640-05-30|1577-06-28
Galileo_Galilei|Scientist|1642-01-08|1564-02-15
Cardinal_Richelieu|Cleric|1642-12-04|1585-09-09
Claudio_Monteverdi|ClassicalMusicArtist|1643-11-29|1567
Charles_I_of_England|Monarch|1649-01-30|1600-11-19
René_Descartes|Philosopher|1650-02-11|1596-03-31
Oliver_Cromwell|Politician|1658-09-03|1599-04-25
Diego_Velázquez|Painter|1660-08-06|1599
Blaise_Pascal|Scientist|1662-08-19|1623-06-19
Shah_Jahan|Monarch|1666-01-22|1592-01-05
Rembrandt|Painter|1669-10-04|1606-07-15
Molière|Writer|1673-02-17|1622
John_Milton|Poet|1674-11-08|1608-12-09
Johannes_Vermeer|Painter|1675|
Baruch_Spinoza|Philosopher|1677-02-21|1632-11-24
Thomas_Hobbes|Philosopher|1679-12-04|1588-04-05
Charles_II_of_England|Monarch|1685-02-06|1630-05-29
Jean-Baptiste_Lully|ClassicalMusicArtist|1687-03-22|1632-11-28
Christiaan_Huygens|Scientist|1695-07-08|1629-04-14
Henry_Purcell|ClassicalMusicArtist|1695-11-21|1659
William_III_of_England|Monarch|1702-03-08|1650-11-04
Robert_Hooke|Scientist|1703-03-03|1635
John_Locke|Philosopher|1704-10-28|1632-08-29
Anne,_Queen_of_Great_Britain|Monarch|1714-08-01|1665-02-06
Louis_XIV|Monarch|1715-09-01|1638-09-05
Gottfried_Wilhelm_Leibniz|Philosopher|1716-11-14|1646-07-01
Peter_the_Great|Monarch|1725|1672
Isaac_Newton|Scientist|1727-03-31||Physicist
Daniel_Defoe|Writer|1731-04-24|
Antonio_Vivaldi|ClassicalMusicArtist|1741-07-28|1678-03-04
Edmond_Halley|Scientist|1742|
Jonathan_Swift|Writer|1745-10-19|1667-11-30
Johann_Sebastian_Bach|ClassicalMusicArtist|1750-07-28|1685
Domenico_Scarlatti|ClassicalMusicArtist|1757-07-23|1685-10-26
George_Frideric_Handel|ClassicalMusicArtist|1759-04-14|1685-02-23
Georg_Philipp_Telemann|ClassicalMusicArtist|1767-06-25|1681-03-14
David_Hume|Philosopher|1776-08-25|1711
Carl_Linnaeus|Scientist|1778-01-10|1707-05-23
Voltaire|Writer|1778-05-30|1694-11-21
Jean-Jacques_Rousseau|Philosopher|1778-07-02|1712-06-28
James_Cook|Person|1779-02-14|1728|Explorer
Maria_Theresa|Monarch|1780-11-29|1717-05-13
Leonhard_Euler|Scientist|1783-09-18|1707-04-15
Samuel_Johnson|Writer|1784-12-13|1709-09-18
Frederick_the_Great|Monarch|1786-08-17|1712-01-24
Christoph_Willibald_Gluck|ClassicalMusicArtist|1787-11-15|1714-07-02
Benjamin_Franklin|Politician|1790-04-17|1706-01-17
Adam_Smith|Philosopher|1790-07-17|1723
Wolfgang_Amadeus_Mozart|ClassicalMusicArtist|1791-12-05|1756-01-27
Louis_XVI|Monarch|1793-01-21|1754-08-23
Marie_Antoinette|Royalty|1793-10-16|1755-11-02
Antoine_Lavoisier|Scientist|1794-05-08|1743-08-26
Maximilien_Robespierre|Politician|1794-07-28|1758-05-06
Catherine_the_Great|Monarch|1796-11-17|1729-05-02
George_Washington|President|1799-12-14|1732-02-22
# 1800 .. 1899
Immanuel_Kant|Philosopher|1804-02-12|1724-04-22
Alexander_Hamilton|Politician|1804-07-12|
Friedrich_Schiller|Poet|1805-05-09|1759-11-10
Horatio_Nelson,_1st_Viscount_Nelson|MilitaryPerson|1805-10-21|1758-09-29
Joseph_Haydn|ClassicalMusicArtist|1809-05-31|1732-03-31
Meriwether_Lewis|Person|1809-10-11|1774-08-18|Explorer
Joséphine_de_Beauharnais|Royalty|1814-05-29|1763-06-23
Jane_Austen|Writer|1817-07-18|1775-12-16
James_Watt|Person|1819-08-25|1736|Inventor
Daniel_Boone|Person|1820-09-26|1734|Frontiersman
John_Keats|Poet|1821-02-23|1795-10-31
Napoleon|Monarch|1821-05-05|1769-08-15
Percy_Bysshe_Shelley|Poet|1822-07-08|1792-08-04
Edward_Jenner|Scientist|1823-01-26|1749-05-17
Lord_Byron|Poet|1824-04-19|1788-01-22
Thomas_Jefferson|President|1826-07-04|1743-04-13
John_Adams|President|1826-07-04|1735-10-30
Alessandro_Volta|Scientist|1827-03-05|1745-02-18
Ludwig_van_Beethoven|ClassicalMusicArtist|1827-03-26|1770
William_Blake|Poet|1827-08-12|1757-11-28
Franz_Schubert|ClassicalMusicArtist|1828-11-19|1797-01-31
Simón_Bolívar|Politician|1830-12-17|1783-07-24
Johann_Wolfgang_von_Goethe|Writer|1832-03-22|1749-08-28
Évariste_Galois|Scientist|1832-05-31|1811-10-25
Davy_Crockett|Politician|1836-03-06|1786-08-17
André-Marie_Ampère|Scientist|1836-06-10|1775-01-20
James_Madison|President|1836-06-28|1751-03-16
Alexander_Pushkin|Poet|1837-02-10|1799-06-06
Andrew_Jackson|President|1845-06-08|1767-03-15
Emily_Brontë|Writer|1848-12-19|1818-07-30
Edgar_Allan_Poe|Writer|1849-10-07|1809-01-19
Frédéric_Chopin|ClassicalMusicArtist|1849-10-17|1810
William_Wordsworth|Poet|1850-04-23|1770-04-07
Honoré_de_Balzac|Writer|1850-08-18|1799-05-20
Mary_Shelley|Writer|1851-02-01|1797-08-30
Nikolai_Gogol|Writer|1852-03-04|1809-04-01
Arthur_Wellesley,_1st_Duke_of_Wellington|MilitaryPerson|1852-09-14|1769-05-01
Carl_Friedrich_Gauss|Scientist|1855-02-23|1777-04-30
Charlotte_Brontë|Writer|1855-03-31|1816-04-21
Henry_David_Thoreau|Philosopher|1862-05-06|1817-07-12
Nathaniel_Hawthorne|Writer|1864-05-19|1804-07-04
Abraham_Lincoln|President|1865-04-15|1809-02-12
Bernhard_Riemann|Scientist|1866-07-20|1826-09-17
Michael_Faraday|Scientist|1867-08-25|1791-09-22
Charles_Dickens|Writer|1870-06-09|1812-02-07
Robert_E._Lee|MilitaryPerson|1870-10-12|1807-01-19
Alexandre_Dumas|Writer|1870-12-05|1802-07-24
Crazy_Horse|MilitaryPerson|1877-09-05|
James_Clerk_Maxwell|Scientist|1879-11-05|1831-06-13
Gustave_Flaubert|Writer|1880-05-08|1821-12-12
Fyodor_Dostoevsky|Writer|1881-02-09|1821-11-11
Charles_Darwin|Scientist|1882-04-19|1809-02-12|Naturalist
Ralph_Waldo_Emerson|Philosopher|1882-04-27|1803-05-25
Giuseppe_Garibaldi|MilitaryPerson|1882-06-02|1807-07-04
Richard_Wagner|ClassicalMusicArtist|1883-02-13|1813-05-22
Karl_Marx|Philosopher|1883-03-14|1818-05-05
Gregor_Mendel|Scientist|1884-01-06|1822-07-20
Victor_Hugo|Writer|1885-05-22|1802-02-26
Ulysses_S._Grant|President|1885-07-23|1822-04-27
Emily_Dickinson|Poet|1886-05-15|1830-12-10
Vincent_van_Gogh|Painter|1890-07-29|1853-03-30
Sitting_Bull|Person|1890-12-15||Chief
Herman_Melville|Writer|1891-09-28|1819-08-01
Walt_Whitman|Poet|1892-03-26|1819-05-31
Pyotr_Ilyich_Tchaikovsky|ClassicalMusicArtist|1893-11-06|1840-05-07
Frederick_Douglass|Person|1895-02-20||Abolitionism
Louis_Pasteur|Scientist|1895-09-28|1822-12-27
Alfred_Nobel|Person|1896-12-10|1833-10-21|Chemist
Johannes_Brahms|ClassicalMusicArtist|1897-04-03|1833-05-07
Lewis_Carroll|Writer|1898-01-14|1832-01-27
Otto_von_Bismarck|Politician|1898-07-30|1815-04-01
# 1900 .. 2000
Friedrich_Nietzsche|Philosopher|1900-08-25|1844-10-15
Oscar_Wilde|Writer|1900-11-30|1854-10-16
Queen_Victoria|Monarch|1901-01-22|1819-05-24
Giuseppe_Verdi|ClassicalMusicArtist|1901-01-27|1813
Émile_Zola|Writer|1902-09-29|1840-04-02
Paul_Gauguin|Painter|1903-05-08|1848-06-07
Anton_Chekhov|Writer|1904-07-15|1860-01-29
Jules_Verne|Writer|1905-03-24|1828-02-08
Susan_B._Anthony|Person|1906-03-13|1820-02-15|Activism
Henrik_Ibsen|Writer|1906-05-23|1828-03-20
Paul_Cézanne|Painter|1906-10-22|1839-01-19
Dmitri_Mendeleev|Scientist|1907-02-02|1834-02-08|Chemist
Geronimo|MilitaryPerson|1909-02-17|1829-06-16
Mark_Twain|Writer|1910-04-21|1835-11-30
Robert_Koch|Scientist|1910-05-27|1843-12-11|Physician
Florence_Nightingale|Person|1910-08-13|1820-05-12|Nurse
Leo_Tolstoy|Writer|1910-11-20|1828-09-09
Gustav_Mahler|ClassicalMusicArtist|1911-05-18|1860-07-07
Wilbur_Wright|Person|1912-05-30|1867-04-16|Inventor
Harriet_Tubman|Person|1913-03-10||Abolitionism
Auguste_Rodin|Sculptor|1917-11-17|1840-11-12
Edgar_Degas|Painter|1917-09-27|1834-07-19
Gustav_Klimt|Painter|1918-02-06|1862-07-14
Claude_Debussy|ClassicalMusicArtist|1918-03-25|1862-08-22
Theodore_Roosevelt|President|1919-01-06|1858-10-27
Pierre-Auguste_Renoir|Painter|1919-12-03|1841-02-25
Srinivasa_Ramanujan|Scientist|1920-04-26|1887-12-22|Mathematician
Alexander_Graham_Bell|Person|1922-08-02|1847-03-03|Inventor
Marcel_Proust|Writer|1922-11-18|1871-07-10
Vladimir_Lenin|Politician|1924-01-21|1870-04-22
Woodrow_Wilson|President|1924-02-03|1856-12-28
Franz_Kafka|Writer|1924-06-03|1883-07-03
Joseph_Conrad|Writer|1924-08-03|1857-12-03
Giacomo_Puccini|ClassicalMusicArtist|1924-11-29|1858-12-22
Antoni_Gaudí|Architect|1926-06-10|1852-06-25
Rudolph_Valentino|Actor|1926-08-23|1895-05-06
Harry_Houdini|Person|1926-10-31|1874-03-24|Magic_(illusion)
Claude_Monet|Painter|1926-12-05|1840-11-14
Arthur_Conan_Doyle|Writer|1930-07-07|1859-05-22
Thomas_Edison|Person|1931-10-18|1847-02-11|Inventor
Marie_Curie|Scientist|1934-07-04|1867-11-07|Physicist
Rudyard_Kipling|Writer|1936-01-18|1865-12-30
Federico_García_Lorca|Poet|1936-08-19|1898-06-05
George_Gershwin|ClassicalMusicArtist|1937-07-11|1898-09-26
Ernest_Rutherford|Scientist|1937-10-19|1871-08-30|Physicist
Maurice_Ravel|ClassicalMusicArtist|1937-12-28|1875-03-07
W._B._Yeats|Poet|1939-01-28|1865-06-13
Sigmund_Freud|Scientist|1939-09-23|1856-05-06|Psychoanalysis
F._Scott_Fitzgerald|Writer|1940-12-21|1896-09-24
James_Joyce|Writer|1941-01-13|1882-02-02
Virginia_Woolf|Writer|1941-03-28|1882-01-25
Lou_Gehrig|BaseballPlayer|1941-06-02|1903-06-19
Rabindranath_Tagore|Poet|1941-08-07|1861-05-07
Nikola_Tesla|Person|1943-01-07|1856-07-10|Inventor
Sergei_Rachmaninoff|ClassicalMusicArtist|1943-03-28|1873-04-01
Edvard_Munch|Painter|1944-01-23|1863-12-12
Anne_Frank|Writer|1945|1929-06-12
Franklin_D._Roosevelt|President|1945-04-12|1882-01-30
Benito_Mussolini|Politician|1945-04-28|1883-07-29
Adolf_Hitler|Politician|1945-04-30|1889-04-20
H._G._Wells|Writer|1946-08-13|1866-09-21
Al_Capone|Criminal|1947-01-25|1899-01-17
Henry_Ford|BusinessPerson|1947-04-07|1863-07-30
Max_Planck|Scientist|1947-10-04|1858-04-23|Physicist
Mahatma_Gandhi|Politician|1948-01-30|1869-10-02
Orville_Wright|Person|1948-01-30|1871-08-19|Inventor
Sergei_Eisenstein|Person|1948-02-11|1898-01-22|Film_director
Babe_Ruth|BaseballPlayer|1948-08-16|1895-02-06
George_Orwell|Writer|1950-01-21|1903-06-25
George_Bernard_Shaw|Writer|1950-11-02|1856-07-26
Ludwig_Wittgenstein|Philosopher|1951-04-29|1889-04-26
Hank_Williams|MusicalArtist|1953-01-01|1923-09-17
Joseph_Stalin|Politician|1953-03-05|1878-12-18
Alan_Turing|Scientist|1954-06-07|1912-06-23|Mathematician
Frida_Kahlo|Painter|1954-07-13|1907-07-06
Henri_Matisse|Painter|1954-11-03|1869-12-31
Enrico_Fermi|Scientist|1954-11-28|1901-09-29|Physicist
Alexander_Fleming|Scientist|1955-03-11|1881-08-06
Charlie_Parker|MusicalArtist|1955-03-12|1920-08-29
Albert_Einstein|Scientist|1955-04-18|1879-03-14|Physicist
James_Dean|Actor|1955-09-30|1931-02-08
Humphrey_Bogart|Actor|1957-01-14|1899-12-25
John_von_Neumann|Scientist|1957-02-08|1903-12-28|Mathematician
Oliver_Hardy|Comedian|1957-08-07|1892-01-18
Buddy_Holly|MusicalArtist|1959-02-03|1936-09-07
Frank_Lloyd_Wright|Architect|1959-04-09|1867-06-08
Billie_Holiday|MusicalArtist|1959-07-17|1915-04-07
Albert_Camus|Philosopher|1960-01-04|1913-11-07
Boris_Pasternak|Writer|1960-05-30|1890-02-10
Clark_Gable|Actor|1960-11-16|1901-02-01
Erwin_Schrödinger|Scientist|1961-01-04|1887-08-12|Physicist
Carl_Jung|Scientist|1961-06-06|1875-07-26|Psychiatrist
Ernest_Hemingway|Writer|1961-07-02|1899-07-21
William_Faulkner|Writer|1962-07-06|1897-09-25
Marilyn_Monroe|Actor|1962-08-04|1926-06-01
Niels_Bohr|Scientist|1962-11-18|1885-10-07|Physicist
Robert_Frost|Poet|1963-01-29|1874-03-26
Sylvia_Plath|Poet|1963-02-11|1932-10-27
Patsy_Cline|MusicalArtist|1963-03-05|1932-09-08
Édith_Piaf|MusicalArtist|1963-10-10|1915-12-19
John_F._Kennedy|President|1963-11-22|1917-05-29
C._S._Lewis|Writer|1963-11-22|1898-11-29
Aldous_Huxley|Writer|1963-11-22|1894-07-26
Jawaharlal_Nehru|Politician|1964-05-27|1889-11-14
Sam_Cooke|MusicalArtist|1964-12-11|1931-01-22
T._S._Eliot|Poet|1965-01-04|1888-09-26
Winston_Churchill|Politician|1965-01-24|1874-11-30
Nat_King_Cole|MusicalArtist|1965-02-15|1919-03-17
Malcolm_X|Person|1965-02-21|1925-05-19|Activism
Stan_Laurel|Comedian|1965-02-23|1890-06-16
Le_Corbusier|Architect|1965-08-27|1887-10-06
Buster_Keaton|Comedian|1966-02-01|1895-10-04
Walt_Disney|BusinessPerson|1966-12-15|1901-12-05
J._Robert_Oppenheimer|Scientist|1967-02-18|1904-04-22|Physicist
Vivien_Leigh|Actor|1967-07-08|1913-11-05
John_Coltrane|MusicalArtist|1967-07-17|1926-09-23
Che_Guevara|MilitaryPerson|1967-10-09|1928-06-14
Otis_Redding|MusicalArtist|1967-12-10|1941-09-09
Martin_Luther_King_Jr.|Cleric|1968-04-04|1929-01-15
Robert_F._Kennedy|Politician|1968-06-06|1925-11-20
John_Steinbeck|Writer|1968-12-20|1902-02-27
Dwight_D._Eisenhower|President|1969-03-28|1890-10-14
Judy_Garland|Actor|1969-06-22|1922-06-10
Brian_Jones|MusicalArtist|1969-07-03|1942-02-28
Ho_Chi_Minh|Politician|1969-09-02|1890-05-19
Bertrand_Russell|Philosopher|1970-02-02|1872-05-18
Jimi_Hendrix|MusicalArtist|1970-09-18|1942-11-27
Janis_Joplin|MusicalArtist|1970-10-04|1943-01-19
Charles_de_Gaulle|President|1970-11-09|1890-11-22
Yukio_Mishima|Writer|1970-11-25|1925-01-14
Igor_Stravinsky|ClassicalMusicArtist|1971-04-06|1882-06-17
Jim_Morrison|MusicalArtist|1971-07-03|1943-12-08
Louis_Armstrong|MusicalArtist|1971-07-06|1901-08-04
Harry_S._Truman|President|1972-12-26|1884-05-08
Lyndon_B._Johnson|President|1973-01-22|1908-08-27
Pablo_Picasso|Painter|1973-04-08|1881-10-25
Bruce_Lee|Actor|1973-07-20|1940-11-27
J._R._R._Tolkien|Writer|1973-09-02|1892-01-03
Pablo_Neruda|Poet|1973-09-23|1904-07-12
Duke_Ellington|MusicalArtist|1974-05-24|1899-04-29
Dmitri_Shostakovich|ClassicalMusicArtist|1975-08-09|1906-09-25
Francisco_Franco|MilitaryPerson|1975-11-20|1892-12-04
Agatha_Christie|Writer|1976-01-12|1890-09-15
Werner_Heisenberg|Scientist|1976-02-01|1901-12-05|Physicist
Martin_Heidegger|Philosopher|1976-05-26|1889-09-26
Mao_Zedong|Politician|1976-09-09|1893-12-26
Elvis_Presley|MusicalArtist|1977-08-16|1935-01-08
Maria_Callas|MusicalArtist|1977-09-16|1923-12-02
Charlie_Chaplin|Comedian|1977-12-25|1889-04-16
Kurt_Gödel|Scientist|1978-01-14|1906-04-28|Mathematician
Keith_Moon|MusicalArtist|1978-09-07|1946-08-23
Golda_Meir|Politician|1978-12-08|1898-05-03
Sid_Vicious|MusicalArtist|1979-02-02|1957-05-10
John_Wayne|Actor|1979-06-11|1907-05-26
Jesse_Owens|Athlete|1980-03-31|1913-09-12
Jean-Paul_Sartre|Philosopher|1980-04-15|1905-06-21
Alfred_Hitchcock|Person|1980-04-29|1899-08-13|Film_director
Ian_Curtis|MusicalArtist|1980-05-18|1956-07-15
John_Bonham|MusicalArtist|1980-09-25|1948-05-31
Steve_McQueen|Actor|1980-11-07|1930-03-24
John_Lennon|MusicalArtist|1980-12-08|1940-10-09
Bob_Marley|MusicalArtist|1981-05-11|1945-02-06
Anwar_Sadat|President|1981-10-06|1918-12-25
Natalie_Wood|Actor|1981-11-29|1938-07-20
John_Belushi|Comedian|1982-03-05|1949-01-24
Henry_Fonda|Actor|1982-08-12|1905-05-16
Ingrid_Bergman|Actor|1982-08-29|1915-08-29
Grace_Kelly|Royalty|1982-09-14|1929-11-12
Karen_Carpenter|MusicalArtist|1983-02-04|1950-03-02
Tennessee_Williams|Writer|1983-02-25|1911-03-26
Marvin_Gaye|MusicalArtist|1984-04-01|1939-04-02
Paul_Dirac|Scientist|1984-10-20|1902-08-08|Physicist
François_Truffaut|Person|1984-10-21|1932-02-06|Film_director
Indira_Gandhi|Politician|1984-10-31|1917-11-19
Rock_Hudson|Actor|1985-10-02|1925-11-17
Orson_Welles|Actor|1985-10-10|1915-05-06
Simone_de_Beauvoir|Philosopher|1986-04-14|1908-01-09
Jorge_Luis_Borges|Writer|1986-06-14|1899-08-24
Cary_Grant|Actor|1986-11-29|1904-01-18
Andrei_Tarkovsky|Person|1986-12-29|1932-04-04|Film_director
Andy_Warhol|Painter|1987-02-22|1928-08-06
Fred_Astaire|Actor|1987-06-22|1899-05-10
Richard_Feynman|Scientist|1988-02-15|1918-05-11|Physicist
Roy_Orbison|MusicalArtist|1988-12-06|1936-04-23
Salvador_Dalí|Painter|1989-01-23|1904-05-11
Laurence_Olivier|Actor|1989-07-11|1907-05-22
Bette_Davis|Actor|1989-10-06|1908-04-05
Samuel_Beckett|Writer|1989-12-22|1906-04-13
Greta_Garbo|Actor|1990-04-15|1905-09-18
Leonard_Bernstein|ClassicalMusicArtist|1990-10-14|1918-08-25
Roald_Dahl|Writer|1990-11-23|1916-09-13
Dr._Seuss|Writer|1991-09-24|1904-03-02
Miles_Davis|MusicalArtist|1991-09-28|1926-05-26
Freddie_Mercury|MusicalArtist|1991-11-24|1946-09-05
Isaac_Asimov|Writer|1992-04-06|1920
Satyajit_Ray|Person|1992-04-23|1921-05-02|Film_director
Marlene_Dietrich|Actor|1992-05-06|1901-12-27
Audrey_Hepburn|Actor|1993-01-20|1929-05-04
Federico_Fellini|Person|1993-10-31|1920-01-20|Film_director
River_Phoenix|Actor|1993-10-31|1970-08-23
Kurt_Cobain|MusicalArtist|1994-04-05|1967-02-20
Richard_Nixon|President|1994-04-22|1913-01-09
Ayrton_Senna|Athlete|1994-05-01|1960-03-21
Gene_Kelly|Actor|1996-02-02|1912-08-23
Tupac_Shakur|MusicalArtist|1996-09-13|1971-06-16
Carl_Sagan|Scientist|1996-12-20|1934-11-09|Astronomer
The_Notorious_B.I.G.|MusicalArtist|1997-03-09|1972-05-21
James_Stewart|Actor|1997-07-02|1908-05-20
Gianni_Versace|Person|1997-07-15|1946-12-02|Fashion_designer
Diana,_Princess_of_Wales|Royalty|1997-08-31|1961-07-01
Mother_Teresa|Saint|1997-09-05|1910-08-26
Frank_Sinatra|MusicalArtist|1998-05-14|1915-12-12
Akira_Kurosawa|Person|1998-09-06|1910-03-23|Film_director
Stanley_Kubrick|Person|1999-03-07|1928-07-26|Film_director
Charles_M._Schulz|Artist|2000-02-12|1922-11-26
Alec_Guinness|Actor|2000-08-05|1914-04-02
Pierre_Trudeau|Politician|2000-09-28|1919-10-18
# after the range (dropped)
Douglas_Adams|Writer|2001-05-11|1952-03-11
George_Harrison|MusicalArtist|2001-11-29|1943-02-25
Katharine_Hepburn|Actor|2003-06-29|
Johnny_Cash|MusicalArtist|2003-09-12|
Ronald_Reagan|President|2004-06-05|1911-02-06
Ray_Charles|MusicalArtist|2004-06-10|
Marlon_Brando|Actor|2004-07-01|
Pope_John_Paul_II|Pope|2005-04-02|
Ingmar_Bergman|Person|2007-07-30|1918-07-14|Film_director
Luciano_Pavarotti|MusicalArtist|2007-09-06|
Heath_Ledger|Actor|2008-01-22|
Michael_Jackson|MusicalArtist|2009-06-25|1958-08-29
Steve_Jobs|BusinessPerson|2011-10-05|1955-02-24
Whitney_Houston|MusicalArtist|2012-02-11|
Nelson_Mandela|President|2013-12-05|1918-07-18
Robin_Williams|Comedian|2014-08-11|
David_Bowie|MusicalArtist|2016-01-10|
Prince_(musician)|MusicalArtist|2016-04-21|
Muhammad_Ali|Boxer|2016-06-03|1942-01-17
Fidel_Castro|President|2016-11-25|
Stephen_Hawking|Scientist|2018-03-14|1942-01-08|Physicist
Kobe_Bryant|Athlete|2020-01-26|
Diego_Maradona|Athlete|2020-11-25|
Elizabeth_II|Monarch|2022-09-08|1926-04-21
"""

# Synthetic records, one defect each: (title, defect).
BAD_RECORDS: tuple[tuple[str, str], ...] = (
    ("Sample_person_malformed_death_date", 'dbo:deathDate "1850-13-45"^^xsd:date: month 13, day 45'),
    ("Sample_person_malformed_death_year", 'dbo:deathYear "18x0"^^xsd:gYear is not a year'),
    ("Sample_person_conflicting_death_dates", "dbo:deathDate 1700-05-01 and dbo:deathYear 1750"),
    ("Sample_person_no_occupation", "typed dbo:Person only, no dbo:occupation"),
    ("Sample_person_born_after_death", "dbo:birthYear 1900, dbo:deathYear 1850"),
    ("Sample_person_no_english_label", "rdfs:label only in French"),
)


@dataclass(frozen=True)
class Person:
    title: str
    dbo_class: str
    died: str
    born: str | None
    occupation: str | None


def people() -> list[Person]:
    found = []
    for line in PEOPLE_TABLE.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split("|") + [""] * 2
        title, cls, died, born, occupation = (f.strip() for f in fields[:5])
        found.append(Person(title, cls, died, born or None, occupation or None))
    return found


def literal_of(value: str) -> tuple[str, str]:
    """("deathDate"-style kind, lexical form) of a table date: ("date", "-0043-03-15") or ("year", "-0099").

    The table's historical years become astronomical ones (44 BCE -> -0043), as XML Schema 1.1 and DBpedia write them.
    """
    negative = value.startswith("-")
    parts = value.lstrip("-").split("-")
    year = -int(parts[0]) if negative else int(parts[0])
    if year == 0:
        raise ValueError(f"year 0 in the table: {value!r} (historical numbering has none)")
    astronomical = year + 1 if year < 0 else year
    text = f"{'-' if astronomical < 0 else ''}{abs(astronomical):04d}"
    if len(parts) == 3:
        return "date", f"{text}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    if len(parts) != 1:
        raise ValueError(f"not a date or a year: {value!r}")
    return "year", text


def person_triples(person: Person) -> list[str]:
    s = resource_iri(person.title)
    lines = typed_resource_triples(person.title, person.dbo_class)
    for event, value in (("death", person.died), ("birth", person.born)):
        if value:
            kind, text = literal_of(value)
            predicate, datatype = (f"{event}Date", "date") if kind == "date" else (f"{event}Year", "gYear")
            lines.append(triple(s, dbo(predicate), f"{literal(text)}^^<{XSD}{datatype}>"))
    if person.occupation:
        lines.append(triple(s, dbo("occupation"), f"<{resource_iri(person.occupation)}>"))
    return lines


def bad_triples() -> list[str]:
    def person(title: str, cls: str = "Writer", label: tuple[str, str] | None = None) -> list[str]:
        return typed_resource_triples(title, cls, label, owl_thing=False)

    def fact(title: str, predicate: str, text: str, datatype: str) -> str:
        return triple(resource_iri(title), dbo(predicate), f"{literal(text)}^^<{XSD}{datatype}>")

    return [
        *person("Sample_person_malformed_death_date"),
        fact("Sample_person_malformed_death_date", "deathDate", "1850-13-45", "date"),
        *person("Sample_person_malformed_death_year"),
        fact("Sample_person_malformed_death_year", "deathYear", "18x0", "gYear"),
        *person("Sample_person_conflicting_death_dates"),
        fact("Sample_person_conflicting_death_dates", "deathDate", "1700-05-01", "date"),
        fact("Sample_person_conflicting_death_dates", "deathYear", "1750", "gYear"),
        *person("Sample_person_no_occupation", cls="Person"),
        fact("Sample_person_no_occupation", "deathYear", "1800", "gYear"),
        *person("Sample_person_born_after_death"),
        fact("Sample_person_born_after_death", "birthYear", "1900", "gYear"),
        fact("Sample_person_born_after_death", "deathYear", "1850", "gYear"),
        *person("Sample_person_no_english_label", label=("Exemple de personne sans libellé anglais", "fr")),
        fact("Sample_person_no_english_label", "deathYear", "1800", "gYear"),
    ]


def historical_figures_part(max_cities: int | None = None) -> SamplePart:
    """People with death dates across 1000 BCE .. 2000 CE (and a few outside), and bad records."""
    everyone = people()
    titles = [p.title for p in everyone]
    if len(set(titles)) != len(titles):
        raise ValueError("a person is listed twice in PEOPLE_TABLE")
    triples = [t for p in everyone for t in person_triples(p)]
    triples += label_triples({p.occupation for p in everyone if p.occupation})
    triples += bad_triples()
    views = lognormal_views(
        DATASET,
        [p.title for p in everyone],
        TYPICAL_VIEWS,
        FEW_VIEWS,
        LOW_VIEWS,
        NO_VIEWS,
        {t: BAD_RECORD_VIEWS for t, _ in BAD_RECORDS},
    )
    years = [_year(p.died) for p in everyone]
    in_range = [p for p, y in zip(everyone, years) if -1000 <= y <= 2000]
    manifest = {
        "generator": {"typical_views": TYPICAL_VIEWS, "few_views": list(FEW_VIEWS), "no_views": list(NO_VIEWS)},
        "licenses": {
            "people": "hand-entered well-known facts (names, death and birth dates, DBpedia class)",
            "pageviews": "synthetic",
        },
        "counts": {
            "people": len(everyone),
            "died_bce": sum(1 for y in years if y < 0),
            "died_before_1000_bce": sum(1 for y in years if y < -1000),
            "died_after_2000": sum(1 for y in years if y > 2000),
            "with_full_death_date": sum(1 for p in everyone if p.died.count("-") >= 2 + p.died.startswith("-")),
            "with_occupation": sum(1 for p in everyone if p.occupation),
            "death_decades_in_range": len({math.floor(y / 10) for y in years if -1000 <= y <= 2000}),
            "bad_records": len(BAD_RECORDS),
            "triples": len(set(triples)),
        },
        "good_titles": [p.title for p in in_range],
        "bad_records": [{"title": t, "defect": d} for t, d in BAD_RECORDS],
    }
    return SamplePart(DATASET, {PEOPLE_FILE: gzip_bytes(sorted_text(triples))}, views, manifest)


def _year(value: str) -> int:
    negative = value.startswith("-")
    year = int(value.lstrip("-").split("-")[0])
    return -year if negative else year
