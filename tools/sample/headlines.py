"""The headlines part of the bundled sample: NYT Archive API months (2010-01 .. 2020-12) in the API's own shape.

THE HEADLINES ARE NOT NEW YORK TIMES TEXT. They were written for this sample, each describing a real news event of
2010-2020 and dated on the day of that event (New York time); desks and sections are those the NYT would use for
such a story. Everything else in a doc is synthetic and seeded: article ids (uuid5), URLs (on the reserved
``.invalid`` domain), print pages, word counts and times of day.

Besides the ``EVENTS`` the builder must keep, the months hold docs that its rules must drop, each declared below
with the one rule expected to drop it: other desks (real events of the sports, culture, business, science and
metro desks, some on page 1), opinion pieces, non-articles, web-only articles, articles too deep in the paper,
desk/section mismatches, questions, headlines ending in a period, duplicate headlines and duplicate listings,
and four malformed records.
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tools.sample.common import SEED, SamplePart, gzip_json

FIRST_YEAR, LAST_YEAR = 2010, 2020
ARCHIVE_DIR = "nyt/archive"
NEW_YORK = ZoneInfo("America/New_York")
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/llm-spacetime/llm-spacetime/sample/nyt")
URL_BASE = "https://nyt-sample.invalid"
COPYRIGHT = (
    "SAMPLE written for llm-spacetime in the shape of the NYT Archive API; headlines describe real events "
    "but are not New York Times text"
)
SHARE_ON_FRONT_PAGE = 0.35
SHARE_EVENING_WEB_TIME = 0.15  # published 20:00-23:59 New York time: the UTC date is the next day
SHARE_NEWS_ANALYSIS = 0.05

# Desk codes of the event table -> (news_desk, section_name).
DESK_CODES = {
    "F": ("Foreign", "World"),
    "N": ("National", "U.S."),
    "P": ("Politics", "U.S."),
    "W": ("Washington", "U.S."),
}

# Kept events: "date | desk code (or O:<section> for an obituary) | headline". Written for the sample.
EVENTS_TEXT = """
2010-01-12 | F | Powerful Earthquake Devastates Haiti's Capital
2010-01-19 | P | Republican Scott Brown Wins Massachusetts Senate Race
2010-01-21 | W | Justices Block Limits on Corporate Spending in Elections
2010-02-11 | O:Fashion & Style | Alexander McQueen, Fashion Designer, Dies at 40
2010-02-25 | W | Obama Hosts Bipartisan Health Care Summit at Blair House
2010-02-27 | F | Massive Earthquake Strikes Chile, Killing Hundreds
2010-03-07 | F | Iraqis Vote in Parliamentary Elections Despite Attacks
2010-03-21 | W | House Passes Health Care Overhaul in Party-Line Vote
2010-03-23 | W | Obama Signs Health Care Overhaul Into Law
2010-03-29 | F | Suicide Bombers Strike Moscow Subway at Rush Hour
2010-04-10 | F | Polish President Among Dozens Killed in Plane Crash in Russia
2010-04-15 | F | Volcanic Ash Cloud From Iceland Shuts Down European Airspace
2010-04-20 | N | Explosion on Gulf Oil Rig Leaves 11 Workers Missing
2010-04-23 | N | Arizona Governor Signs Strict Immigration Law
2010-05-02 | F | Europe Agrees to Bailout for Greece
2010-05-10 | W | Obama Picks Elena Kagan for Supreme Court
2010-05-11 | F | David Cameron Becomes British Prime Minister
2010-06-23 | W | Obama Relieves McChrystal of Afghan Command
2010-06-24 | F | Julia Gillard Becomes Australia's First Female Prime Minister
2010-06-28 | O:U.S. | Robert C. Byrd, Longest-Serving Senator, Dies at 92
2010-07-15 | N | BP Stops Flow of Oil Into Gulf for First Time in Three Months
2010-07-21 | W | Obama Signs Sweeping Overhaul of Financial Regulation
2010-07-25 | F | Leaked Military Files Offer Grim Portrait of Afghan War
2010-08-05 | W | Senate Confirms Kagan as Fourth Woman on Supreme Court
2010-08-05 | F | Collapse Traps 33 Miners Deep Underground in Chile
2010-08-19 | F | Last American Combat Brigade Leaves Iraq
2010-08-31 | W | Obama Declares End to U.S. Combat Mission in Iraq
2010-09-02 | W | Israeli and Palestinian Leaders Resume Direct Talks in Washington
2010-09-19 | N | BP's Blown-Out Well Is Declared Dead
2010-09-28 | F | North Korea Promotes Kim Jong-il's Son to General
2010-10-08 | F | Jailed Chinese Dissident Liu Xiaobo Wins Nobel Peace Prize
2010-10-13 | F | All 33 Trapped Miners Rescued in Chile
2010-10-22 | F | Leaked Iraq War Files Detail Civilian Deaths and Abuse
2010-11-02 | P | Republicans Win Control of the House
2010-11-23 | F | North Korea Shells South Korean Island
2010-11-28 | F | Leaked Cables Reveal Candid Views of American Diplomats
2010-12-13 | O:U.S. | Richard Holbrooke, Veteran Diplomat, Dies at 69
2010-12-18 | W | Senate Repeals Ban on Openly Gay Military Service
2010-12-22 | W | Senate Ratifies New Arms Control Treaty With Russia
2011-01-08 | N | Gunman Shoots Representative Gabrielle Giffords in Tucson
2011-01-14 | F | Tunisia's President Flees Amid Mass Protests
2011-01-25 | F | Thousands Protest in Cairo Against Mubarak's Rule
2011-02-11 | F | Mubarak Resigns as President of Egypt
2011-02-21 | F | Protests Spread to Tripoli as Qaddafi's Grip Weakens
2011-02-22 | F | Earthquake Devastates Christchurch, New Zealand
2011-03-11 | F | Massive Earthquake and Tsunami Strike Japan
2011-03-19 | F | Allied Forces Strike Libya to Protect Rebels
2011-03-23 | O:Movies | Elizabeth Taylor, Screen Legend, Dies at 79
2011-04-08 | W | Deal Reached to Avert Government Shutdown
2011-04-27 | N | Deadly Tornadoes Tear Through Alabama
2011-04-29 | F | Prince William Marries Kate Middleton at Westminster Abbey
2011-05-02 | F | Osama bin Laden Killed by U.S. Forces in Pakistan
2011-05-22 | N | Tornado Devastates Joplin, Missouri
2011-05-26 | F | Serbia Arrests Ratko Mladic, Accused of War Crimes in Bosnia
2011-06-03 | O:U.S. | Jack Kevorkian, Assisted-Suicide Advocate, Dies at 83
2011-06-16 | W | Anthony Weiner Resigns From Congress
2011-06-22 | W | Obama Announces Withdrawal of 33,000 Troops From Afghanistan
2011-07-09 | F | South Sudan Declares Independence
2011-07-22 | F | Bombing and Mass Shooting Kill Dozens in Norway
2011-07-23 | O:Music | Amy Winehouse, Singer, Dies at 27
2011-08-02 | W | Obama Signs Debt Ceiling Deal, Ending Standoff
2011-08-08 | F | Riots Spread Across London for a Third Night
2011-08-21 | F | Libyan Rebels Enter Tripoli as Qaddafi's Rule Crumbles
2011-08-28 | N | Hurricane Irene Floods Towns Across the Northeast
2011-09-11 | N | Nation Marks 10th Anniversary of Sept. 11 Attacks
2011-09-20 | W | Military Ends Ban on Openly Gay Service Members
2011-09-30 | F | Anwar al-Awlaki, Qaeda Cleric, Killed in Drone Strike in Yemen
2011-10-05 | O:Business Day | Steve Jobs, Apple's Visionary, Dies at 56
2011-10-18 | F | Israeli Soldier Gilad Shalit Freed in Prisoner Exchange
2011-10-20 | F | Qaddafi Killed as Rebels Take His Hometown
2011-11-10 | F | Lucas Papademos Named Greek Prime Minister
2011-11-12 | F | Berlusconi Resigns as Italy's Prime Minister
2011-11-21 | W | Deficit Supercommittee Admits Failure
2011-12-15 | O:Books | Christopher Hitchens, Polemicist, Dies at 62
2011-12-18 | F | Last American Troops Leave Iraq
2011-12-18 | O:World | Václav Havel, Czech Dissident and President, Dies at 75
2011-12-19 | F | North Korea Announces Death of Kim Jong-il
2012-01-03 | P | Romney Edges Santorum by Eight Votes in Iowa Caucuses
2012-01-13 | F | Cruise Ship Capsizes Off Italian Coast
2012-01-21 | P | Gingrich Wins South Carolina Primary
2012-02-04 | F | Russia and China Veto U.N. Resolution on Syria
2012-02-11 | O:Music | Whitney Houston, Pop Superstar, Dies at 48
2012-02-28 | P | Romney Wins Michigan and Arizona Primaries
2012-03-04 | F | Putin Wins Russian Presidential Election
2012-03-11 | F | U.S. Soldier Kills 16 Afghan Villagers in Kandahar
2012-03-27 | W | Justices Question Health Law's Mandate on Second Day of Arguments
2012-04-10 | P | Santorum Suspends Campaign, Clearing Path for Romney
2012-04-13 | F | North Korean Rocket Launch Fails
2012-04-26 | F | Liberia's Charles Taylor Convicted of War Crimes
2012-05-01 | W | Obama Makes Surprise Visit to Afghanistan to Sign Pact
2012-05-06 | F | François Hollande Elected President of France
2012-05-09 | W | Obama Endorses Same-Sex Marriage
2012-06-05 | P | Walker Survives Wisconsin Recall Vote
2012-06-24 | F | Islamist Mohamed Morsi Declared Winner of Egypt's Presidential Race
2012-06-28 | W | Supreme Court Upholds Obama's Health Care Law
2012-07-18 | F | Bombing in Damascus Kills Top Syrian Security Officials
2012-07-20 | N | Gunman Kills 12 at Movie Theater in Aurora, Colorado
2012-07-23 | O:Science | Sally Ride, First American Woman in Space, Dies at 61
2012-08-05 | N | Gunman Kills Six at Sikh Temple in Wisconsin
2012-08-11 | P | Romney Picks Paul Ryan as Running Mate
2012-08-25 | O:Science | Neil Armstrong, First Man on the Moon, Dies at 82
2012-09-06 | P | Obama Accepts Nomination for Second Term
2012-09-12 | F | American Ambassador Killed in Attack on Consulate in Libya
2012-09-17 | P | Romney Video Shows Remarks on '47 Percent' of Voters
2012-10-03 | P | Romney and Obama Clash in First Presidential Debate
2012-10-09 | F | Taliban Gunmen Shoot Pakistani Schoolgirl Who Championed Education
2012-10-29 | N | Hurricane Sandy Slams Into New Jersey Coast
2012-11-06 | P | Obama Wins Re-election Over Romney
2012-11-09 | W | Petraeus Resigns as C.I.A. Director Over Affair
2012-11-15 | F | Xi Jinping Named Leader of China's Communist Party
2012-12-14 | N | Gunman Kills 20 Children at Connecticut School
2012-12-16 | F | Shinzo Abe's Party Wins Landslide in Japanese Election
2012-12-19 | F | Park Geun-hye Elected South Korea's First Female President
2013-01-01 | W | Congress Passes Deal to Avert Fiscal Cliff
2013-01-16 | F | Militants Seize Hostages at Gas Plant in Algeria
2013-01-21 | W | Obama Sworn In for Second Term
2013-02-11 | F | Pope Benedict XVI Announces He Will Resign
2013-02-12 | F | North Korea Conducts Third Nuclear Test
2013-02-15 | F | Meteor Explodes Over Russian City, Injuring Hundreds
2013-03-01 | W | Automatic Spending Cuts Take Effect After Talks Fail
2013-03-05 | O:World | Hugo Chávez, Venezuela's Leader, Dies at 58
2013-03-13 | F | Argentine Cardinal Elected Pope, Taking Name Francis
2013-04-08 | O:World | Margaret Thatcher, Britain's 'Iron Lady,' Dies at 87
2013-04-15 | N | Explosions at Boston Marathon Kill 3 and Injure Scores
2013-04-17 | W | Senate Blocks Expanded Background Checks for Gun Buyers
2013-04-24 | F | Garment Factory Collapse in Bangladesh Kills Hundreds
2013-05-10 | W | I.R.S. Apologizes for Targeting Conservative Groups
2013-05-20 | N | Tornado Tears Through Moore, Oklahoma
2013-05-22 | F | Soldier Killed in Machete Attack on London Street
2013-06-06 | W | U.S. Is Secretly Collecting Phone Records of Millions of Americans
2013-06-15 | F | Moderate Cleric Hassan Rouhani Wins Iran's Presidential Election
2013-06-25 | W | Justices Void Key Part of Voting Rights Act
2013-06-26 | W | Supreme Court Strikes Down Defense of Marriage Act
2013-07-03 | F | Egyptian Military Ousts Morsi
2013-07-13 | N | George Zimmerman Acquitted in Killing of Trayvon Martin
2013-07-18 | N | Detroit Files for Bankruptcy
2013-08-14 | F | Hundreds Killed as Egyptian Forces Clear Islamist Sit-Ins
2013-08-21 | F | Syrian Opposition Says Poison Gas Attack Killed Hundreds Near Damascus
2013-08-31 | W | Obama Seeks Congressional Approval for Strike on Syria
2013-09-14 | F | U.S. and Russia Reach Deal on Syria's Chemical Weapons
2013-09-16 | N | Gunman Kills 12 at Washington Navy Yard
2013-09-21 | F | Gunmen Attack Nairobi Shopping Mall
2013-10-01 | W | Government Shuts Down as Congress Deadlocks Over Health Law
2013-10-05 | F | U.S. Commandos Capture Qaeda Suspect in Libya
2013-10-16 | W | Congress Passes Deal to End Shutdown and Raise Debt Limit
2013-11-08 | F | Typhoon Haiyan Devastates Central Philippines
2013-11-21 | W | Senate Democrats Limit Filibusters on Nominees
2013-11-24 | F | Iran Agrees to Curb Nuclear Program in Interim Deal
2013-12-05 | O:World | Nelson Mandela, South Africa's Liberator, Dies at 95
2013-12-10 | W | Budget Negotiators Reach Bipartisan Deal
2013-12-12 | F | North Korea Executes Kim Jong-un's Uncle
2014-01-22 | F | Syria Peace Talks Open in Switzerland
2014-01-27 | O:Music | Pete Seeger, Folk Singer and Activist, Dies at 94
2014-01-28 | W | Obama Vows to Act Alone in State of the Union Address
2014-02-02 | O:Movies | Philip Seymour Hoffman, Actor, Dies at 46
2014-02-20 | F | Dozens Killed in Clashes in Kiev
2014-02-22 | F | Ukraine's Parliament Ousts Yanukovych
2014-03-08 | F | Malaysia Airlines Jet With 239 Aboard Vanishes
2014-03-16 | F | Crimea Votes to Join Russia in Disputed Referendum
2014-03-18 | F | Putin Moves to Annex Crimea
2014-04-14 | F | Islamist Militants Abduct Schoolgirls in Nigeria
2014-04-16 | F | Ferry Carrying Hundreds of Students Sinks Off South Korea
2014-04-17 | O:Books | Gabriel García Márquez, Nobel Laureate, Dies at 87
2014-05-16 | F | Modi's Party Wins Landslide in Indian Election
2014-05-22 | F | Thai Military Seizes Power in Coup
2014-05-28 | O:Books | Maya Angelou, Poet and Author, Dies at 86
2014-06-10 | F | Militants Seize Iraqi City of Mosul
2014-06-10 | P | Eric Cantor Loses Republican Primary to Tea Party Challenger
2014-06-30 | W | Justices Rule for Hobby Lobby in Contraception Case
2014-07-08 | F | Israel Launches Offensive in Gaza
2014-07-17 | F | Malaysia Airlines Jet Shot Down Over Eastern Ukraine
2014-07-28 | W | U.S. Accuses Russia of Violating Missile Treaty
2014-08-07 | W | Obama Authorizes Airstrikes Against Militants in Iraq
2014-08-09 | N | Police Officer Fatally Shoots Unarmed Teenager in Ferguson, Missouri
2014-08-11 | O:Movies | Robin Williams, Comic Actor, Dies at 63
2014-09-19 | F | Scotland Votes Against Independence
2014-09-22 | F | U.S. and Arab Allies Launch Airstrikes in Syria
2014-09-28 | F | Police Fire Tear Gas at Protesters in Hong Kong
2014-09-30 | N | First Ebola Case Diagnosed in the United States
2014-10-10 | F | Malala Yousafzai and Kailash Satyarthi Share Nobel Peace Prize
2014-10-22 | F | Gunman Attacks Canada's Parliament After Killing Soldier
2014-10-26 | F | Dilma Rousseff Wins Re-election in Brazil
2014-11-04 | P | Republicans Win Control of the Senate
2014-11-20 | W | Obama Announces Executive Action to Shield Millions of Immigrants From Deportation
2014-11-24 | N | Ferguson Officer Will Not Be Charged in Shooting of Michael Brown
2014-12-09 | W | Senate Report Details Brutal C.I.A. Interrogations
2014-12-16 | F | Taliban Attack on School in Pakistan Kills More Than 130 Children
2014-12-17 | W | U.S. and Cuba Agree to Restore Diplomatic Relations
2015-01-07 | F | Gunmen Kill 12 at French Satirical Newspaper Charlie Hebdo
2015-01-23 | O:World | King Abdullah of Saudi Arabia Dies at 90
2015-01-25 | F | Leftist Syriza Party Wins Greek Election
2015-02-12 | F | Leaders Agree on Cease-Fire Deal for Eastern Ukraine
2015-02-27 | F | Putin Critic Boris Nemtsov Shot Dead Near Kremlin
2015-02-27 | O:Television | Leonard Nimoy, Spock of 'Star Trek,' Dies at 83
2015-03-03 | W | Netanyahu Warns Congress Against Nuclear Deal With Iran
2015-03-23 | O:World | Lee Kuan Yew, Founder of Modern Singapore, Dies at 91
2015-03-24 | F | Airliner Crashes in French Alps With 150 Aboard
2015-04-02 | F | Iran and World Powers Reach Framework for Nuclear Deal
2015-04-12 | P | Hillary Clinton Announces Second Run for President
2015-04-25 | F | Powerful Earthquake Devastates Nepal
2015-04-27 | N | Riots Erupt in Baltimore After Freddie Gray's Funeral
2015-05-08 | F | Conservatives Win Outright Majority in British Election
2015-05-17 | F | ISIS Captures Iraqi City of Ramadi
2015-05-23 | F | Ireland Votes to Legalize Same-Sex Marriage
2015-06-16 | P | Donald Trump Announces Run for President
2015-06-17 | N | Gunman Kills Nine at Historic Black Church in Charleston
2015-06-26 | W | Supreme Court Rules Same-Sex Couples Have Right to Marry
2015-07-05 | F | Greek Voters Reject Bailout Terms in Referendum
2015-07-14 | F | Iran and World Powers Reach Nuclear Deal
2015-07-20 | F | United States and Cuba Reopen Embassies
2015-08-06 | P | Republican Candidates Meet in First Debate of 2016 Race
2015-08-12 | F | Explosions at Chinese Port of Tianjin Kill Dozens
2015-08-17 | F | Bomb Kills 20 at Shrine in Central Bangkok
2015-09-03 | F | Image of Drowned Syrian Boy Stirs Global Outrage Over Migrant Crisis
2015-09-24 | W | Pope Francis Addresses Joint Meeting of Congress
2015-09-25 | W | John Boehner Will Resign as House Speaker
2015-09-30 | F | Russia Begins Airstrikes in Syria
2015-10-01 | N | Gunman Kills Nine at Oregon Community College
2015-10-03 | F | U.S. Airstrike Hits Doctors Without Borders Hospital in Afghanistan
2015-10-29 | W | Paul Ryan Elected Speaker of the House
2015-10-29 | F | China Ends One-Child Policy
2015-11-06 | W | Obama Rejects Keystone XL Pipeline
2015-11-09 | F | Aung San Suu Kyi's Party Claims Victory in Myanmar Election
2015-11-13 | F | Terrorist Attacks Across Paris Kill Scores
2015-11-24 | F | Turkey Shoots Down Russian Warplane Near Syrian Border
2015-12-02 | N | Shooters Kill 14 at Social Services Center in San Bernardino
2015-12-12 | F | Nearly 200 Nations Adopt Paris Climate Agreement
2015-12-18 | F | U.N. Security Council Endorses Syria Peace Plan
2016-01-06 | F | North Korea Says It Tested a Hydrogen Bomb
2016-01-10 | O:Music | David Bowie, Shape-Shifting Rock Star, Dies at 69
2016-01-16 | F | Iran Sanctions Lifted as Nuclear Deal Takes Effect
2016-02-01 | P | Ted Cruz Wins Iowa Caucuses
2016-02-09 | P | Trump and Sanders Win New Hampshire Primary
2016-02-13 | O:U.S. | Antonin Scalia, Supreme Court Justice, Dies at 79
2016-03-16 | W | Obama Nominates Merrick Garland to Supreme Court
2016-03-20 | F | Obama Arrives in Cuba for Historic Visit
2016-03-22 | F | Bombings at Brussels Airport and Subway Kill Dozens
2016-04-03 | F | Leaked Panama Papers Expose Offshore Holdings of World Leaders
2016-04-16 | F | Powerful Earthquake Strikes Ecuador
2016-04-21 | O:Music | Prince, Singer and Musical Innovator, Dies at 57
2016-05-03 | P | Cruz Quits Race After Trump Wins Indiana Primary
2016-05-12 | F | Brazil's Senate Suspends President Dilma Rousseff
2016-05-27 | F | Obama Visits Hiroshima, Calls for World Without Nuclear Weapons
2016-06-03 | O:Sports | Muhammad Ali, Heavyweight Champion, Dies at 74
2016-06-12 | N | Gunman Kills 49 at Gay Nightclub in Orlando
2016-06-24 | F | Britain Votes to Leave the European Union
2016-07-07 | N | Sniper Kills Five Dallas Police Officers
2016-07-13 | F | Theresa May Becomes Britain's Prime Minister
2016-07-14 | F | Truck Plows Into Bastille Day Crowd in Nice
2016-07-15 | F | Military Faction Attempts Coup in Turkey
2016-07-21 | P | Trump Accepts Republican Nomination
2016-07-28 | P | Hillary Clinton Accepts Democratic Nomination
2016-08-24 | F | Earthquake Devastates Towns in Central Italy
2016-08-24 | F | Turkey Sends Tanks Into Syria
2016-08-31 | F | Brazil's Senate Removes Rousseff From Office
2016-09-09 | F | North Korea Conducts Fifth Nuclear Test
2016-09-26 | P | Clinton and Trump Face Off in First Debate
2016-09-26 | F | Colombia Signs Peace Deal With FARC Rebels
2016-10-02 | F | Colombians Reject Peace Deal With FARC in Referendum
2016-10-07 | P | Trump Recorded Making Lewd Remarks About Women in 2005
2016-10-13 | O:World | King Bhumibol Adulyadej of Thailand Dies at 88
2016-10-28 | P | F.B.I. Reviewing New Emails Tied to Clinton Inquiry
2016-11-09 | P | Donald Trump Wins the Presidency
2016-11-23 | W | Trump Picks Nikki Haley as U.N. Ambassador
2016-11-25 | O:World | Fidel Castro, Cuban Revolutionary, Dies at 90
2016-12-19 | F | Truck Attack at Berlin Christmas Market Kills 12
2016-12-19 | F | Russian Ambassador to Turkey Assassinated in Ankara
2016-12-22 | F | Syrian Government Declares Full Control of Aleppo
2016-12-29 | W | Obama Expels 35 Russian Diplomats Over Election Hacking
2017-01-20 | W | Donald Trump Sworn In as 45th President
2017-01-21 | N | Women's Marches Draw Millions Across the Country
2017-01-27 | W | Trump Bars Refugees and Citizens of Seven Muslim Countries
2017-02-09 | W | Appeals Court Refuses to Reinstate Trump's Travel Ban
2017-02-13 | W | Michael Flynn Resigns as National Security Adviser
2017-02-13 | F | Kim Jong-un's Half Brother Killed at Malaysian Airport
2017-03-20 | W | Comey Confirms F.B.I. Inquiry Into Russian Election Meddling
2017-03-22 | F | Attack Near British Parliament Leaves Several Dead
2017-03-24 | W | Republicans Pull Health Care Bill in Defeat for Trump
2017-03-29 | F | Britain Formally Begins Brexit Process
2017-04-04 | F | Chemical Attack Kills Dozens in Syrian Town
2017-04-06 | F | U.S. Launches Missile Strike on Syrian Air Base
2017-04-07 | W | Senate Confirms Gorsuch to Supreme Court
2017-05-07 | F | Emmanuel Macron Elected President of France
2017-05-09 | W | Trump Fires F.B.I. Director James Comey
2017-05-17 | W | Robert Mueller Appointed Special Counsel in Russia Inquiry
2017-05-22 | F | Suicide Bomber Kills 22 at Concert in Manchester
2017-06-01 | W | Trump Withdraws U.S. From Paris Climate Accord
2017-06-09 | F | British Election Leaves Conservatives Without a Majority
2017-06-14 | F | Fire Engulfs London Apartment Tower
2017-06-14 | W | Gunman Shoots Steve Scalise at Congressional Baseball Practice
2017-07-04 | F | North Korea Tests Its First Intercontinental Ballistic Missile
2017-07-10 | F | Iraq Declares Victory Over ISIS in Mosul
2017-07-13 | O:World | Liu Xiaobo, Chinese Nobel Laureate, Dies in Custody at 61
2017-07-28 | W | Senate Rejects Republican Plan to Repeal Obama's Health Law
2017-08-12 | N | Violence Erupts at White Nationalist Rally in Charlottesville
2017-08-17 | F | Van Plows Into Crowd in Barcelona
2017-08-25 | N | Hurricane Harvey Makes Landfall in Texas
2017-09-03 | F | North Korea Conducts Sixth Nuclear Test
2017-09-10 | N | Hurricane Irma Slams Into Florida
2017-09-19 | F | Powerful Earthquake Strikes Mexico City
2017-09-20 | N | Hurricane Maria Devastates Puerto Rico
2017-10-01 | F | Catalonia Holds Independence Referendum Amid Police Crackdown
2017-10-02 | N | Gunman Kills Dozens at Las Vegas Music Festival
2017-10-17 | F | U.S.-Backed Forces Retake Raqqa From ISIS
2017-10-30 | W | Paul Manafort Indicted in Special Counsel Inquiry
2017-11-04 | F | Saudi Crown Prince Detains Princes in Anticorruption Sweep
2017-11-05 | N | Gunman Kills 26 at Texas Church
2017-11-21 | F | Robert Mugabe Resigns as Zimbabwe's President
2017-12-01 | W | Michael Flynn Pleads Guilty in Russia Inquiry
2017-12-06 | W | Trump Recognizes Jerusalem as Israel's Capital
2017-12-12 | P | Doug Jones Wins Alabama Senate Race
2017-12-20 | W | Congress Passes Sweeping Tax Overhaul
2018-01-09 | F | North and South Korea Hold First Talks in Two Years
2018-01-20 | W | Government Shuts Down After Senate Impasse
2018-01-24 | N | Larry Nassar Sentenced to Up to 175 Years in Prison
2018-02-14 | N | Gunman Kills 17 at Florida High School
2018-02-14 | F | Jacob Zuma Resigns as South Africa's President
2018-02-16 | W | Mueller Charges 13 Russians With Interfering in Election
2018-02-21 | O:U.S. | Billy Graham, Evangelist to Millions, Dies at 99
2018-03-04 | F | Former Russian Spy Poisoned in English City
2018-03-13 | W | Trump Fires Tillerson as Secretary of State
2018-03-14 | O:Science | Stephen Hawking, Physicist Who Explored the Cosmos, Dies at 76
2018-03-24 | N | Students Lead Huge Rallies for Gun Control Across the Country
2018-04-10 | W | Zuckerberg Faces Senators Over Facebook Data Scandal
2018-04-13 | F | U.S., Britain and France Strike Syria Over Chemical Attack
2018-04-17 | O:U.S. | Barbara Bush, Former First Lady, Dies at 92
2018-04-27 | F | Leaders of North and South Korea Meet at Border
2018-05-08 | W | Trump Withdraws U.S. From Iran Nuclear Deal
2018-05-14 | F | Israeli Forces Kill Dozens in Gaza as U.S. Opens Jerusalem Embassy
2018-05-19 | F | Prince Harry Marries Meghan Markle at Windsor Castle
2018-05-26 | F | Ireland Votes to Repeal Abortion Ban
2018-06-08 | O:Arts | Anthony Bourdain, Chef and Travel Host, Dies at 61
2018-06-12 | F | Trump and Kim Jong-un Meet in Singapore
2018-06-20 | W | Trump Signs Order Ending Family Separations at Border
2018-06-26 | P | Alexandria Ocasio-Cortez Defeats Joseph Crowley in Primary
2018-06-27 | W | Justice Kennedy Announces Retirement From Supreme Court
2018-07-09 | W | Trump Nominates Brett Kavanaugh to Supreme Court
2018-07-10 | F | All 12 Boys and Coach Rescued From Thai Cave
2018-07-16 | F | Trump Sides With Putin on Election Meddling at Helsinki Summit
2018-08-16 | O:Music | Aretha Franklin, Queen of Soul, Dies at 76
2018-08-21 | W | Manafort Convicted and Cohen Pleads Guilty on Same Day
2018-08-25 | O:U.S. | John McCain, War Hero and Senator, Dies at 81
2018-09-14 | N | Hurricane Florence Makes Landfall in the Carolinas
2018-09-27 | W | Christine Blasey Ford and Brett Kavanaugh Testify Before Senate
2018-09-28 | F | Earthquake and Tsunami Hit Indonesian Island of Sulawesi
2018-10-02 | F | Saudi Journalist Jamal Khashoggi Vanishes After Entering Consulate in Istanbul
2018-10-06 | W | Senate Confirms Kavanaugh to Supreme Court
2018-10-27 | N | Gunman Kills 11 at Pittsburgh Synagogue
2018-10-28 | F | Jair Bolsonaro Wins Brazil's Presidential Election
2018-11-06 | P | Democrats Win Control of the House
2018-11-07 | W | Trump Ousts Attorney General Jeff Sessions
2018-11-08 | N | Wildfire Destroys California Town of Paradise
2018-11-30 | O:U.S. | George H.W. Bush, 41st President, Dies at 94
2018-12-01 | F | Protesters Clash With Police in Paris as Yellow Vest Unrest Grows
2018-12-19 | W | Trump Orders Withdrawal of U.S. Troops From Syria
2018-12-22 | W | Government Shuts Down Over Border Wall Dispute
2019-01-03 | W | Nancy Pelosi Elected Speaker as Democrats Take House
2019-01-15 | F | Parliament Rejects Theresa May's Brexit Deal by Historic Margin
2019-01-23 | F | Venezuelan Opposition Leader Declares Himself Interim President
2019-01-25 | W | Trump Signs Bill Ending Longest Government Shutdown
2019-02-15 | W | Trump Declares National Emergency to Build Border Wall
2019-02-26 | F | India Strikes Pakistan After Kashmir Bombing
2019-02-27 | W | Michael Cohen Testifies That Trump Is a 'Con Man'
2019-02-28 | F | Trump-Kim Summit in Hanoi Ends Without a Deal
2019-03-10 | F | Ethiopian Airlines Jet Crashes, Killing 157
2019-03-15 | F | Gunman Kills Dozens at Two Mosques in New Zealand
2019-03-23 | F | U.S.-Backed Forces Declare End of ISIS Territorial Caliphate
2019-03-24 | W | Barr Says Mueller Found No Conspiracy With Russia
2019-04-11 | F | Sudan's Military Ousts Omar al-Bashir
2019-04-11 | F | Julian Assange Arrested in London
2019-04-15 | F | Fire Ravages Notre-Dame Cathedral in Paris
2019-04-18 | W | Redacted Mueller Report Is Released
2019-04-21 | F | Easter Bombings in Sri Lanka Kill Hundreds
2019-05-23 | F | Modi Wins Landslide Re-election in India
2019-05-24 | F | Theresa May Announces Resignation
2019-05-29 | W | Mueller Says Charging Trump Was Not an Option
2019-06-09 | F | Huge Crowds March in Hong Kong Against Extradition Bill
2019-06-20 | F | Iran Shoots Down American Surveillance Drone
2019-06-26 | P | Democratic Candidates Meet in First Debate of 2020 Race
2019-06-30 | F | Trump Steps Into North Korea to Meet Kim Jong-un
2019-07-16 | W | House Condemns Trump's Attacks on Congresswomen as Racist
2019-07-24 | F | Boris Johnson Becomes Britain's Prime Minister
2019-07-24 | W | Mueller Testifies Before Congress on Russia Inquiry
2019-08-03 | N | Gunman Kills 20 at El Paso Walmart
2019-08-04 | N | Gunman Kills Nine in Dayton Nightlife District
2019-08-05 | F | India Revokes Kashmir's Special Status
2019-08-05 | O:Books | Toni Morrison, Nobel Laureate, Dies at 88
2019-09-01 | F | Hurricane Dorian Pummels the Bahamas
2019-09-06 | O:World | Robert Mugabe, Zimbabwe's Longtime Ruler, Dies at 95
2019-09-14 | F | Drone Attacks Knock Out Half of Saudi Oil Output
2019-09-24 | W | Pelosi Announces Formal Impeachment Inquiry Into Trump
2019-10-07 | F | Trump Pulls Troops From Northern Syria, Clearing Way for Turkish Assault
2019-10-17 | O:U.S. | Elijah Cummings, Baltimore Congressman, Dies at 68
2019-10-27 | F | ISIS Leader Abu Bakr al-Baghdadi Killed in U.S. Raid
2019-11-10 | F | Bolivia's President Evo Morales Resigns
2019-11-13 | W | Public Impeachment Hearings Begin in the House
2019-11-24 | F | Pro-Democracy Candidates Sweep Hong Kong Local Elections
2019-12-13 | F | Conservatives Win Decisive Majority in British Election
2019-12-18 | W | House Impeaches Trump for Abuse of Power and Obstruction
2019-12-31 | F | China Investigates Pneumonia Outbreak in Wuhan
2020-01-03 | F | U.S. Strike in Iraq Kills Iranian General Qassim Suleimani
2020-01-08 | F | Iran Fires Missiles at U.S. Bases in Iraq
2020-01-11 | F | Iran Admits Shooting Down Ukrainian Airliner
2020-01-26 | O:Sports | Kobe Bryant, Basketball Star, Dies in Helicopter Crash at 41
2020-01-30 | F | W.H.O. Declares Global Health Emergency Over Coronavirus
2020-01-31 | F | Britain Formally Leaves the European Union
2020-02-03 | P | Iowa Caucus Results Delayed by Reporting Problems
2020-02-05 | W | Senate Acquits Trump on Both Articles of Impeachment
2020-02-07 | F | Chinese Doctor Who Warned of Coronavirus Dies
2020-02-29 | F | U.S. and Taliban Sign Deal to Withdraw American Troops
2020-03-03 | P | Biden Wins Big on Super Tuesday
2020-03-09 | F | Italy Extends Coronavirus Lockdown to Entire Country
2020-03-11 | F | W.H.O. Declares Coronavirus Outbreak a Pandemic
2020-03-13 | W | Trump Declares National Emergency Over Coronavirus
2020-03-27 | W | Trump Signs $2 Trillion Coronavirus Relief Bill
2020-04-05 | F | Boris Johnson Hospitalized With Coronavirus
2020-04-08 | P | Bernie Sanders Ends Presidential Campaign
2020-04-14 | W | Trump Halts Funding to World Health Organization
2020-05-25 | N | George Floyd Dies After Minneapolis Police Officer Kneels on His Neck
2020-05-27 | N | U.S. Coronavirus Death Toll Surpasses 100,000
2020-05-28 | N | Protesters Set Fire to Minneapolis Police Precinct
2020-06-01 | W | Police Clear Protesters From Lafayette Square Before Trump Photo
2020-06-15 | W | Supreme Court Rules Civil Rights Law Protects Gay and Transgender Workers
2020-06-30 | F | China Enacts Sweeping Security Law for Hong Kong
2020-07-07 | W | U.S. Formally Notifies U.N. It Will Leave the World Health Organization
2020-07-17 | O:U.S. | John Lewis, Civil Rights Icon and Congressman, Dies at 80
2020-07-21 | F | European Leaders Agree on Landmark Coronavirus Recovery Fund
2020-08-04 | F | Huge Explosion Devastates Beirut
2020-08-09 | F | Protests Erupt in Belarus After Disputed Election
2020-08-11 | P | Biden Picks Kamala Harris as Running Mate
2020-08-13 | F | Israel and United Arab Emirates Agree to Normalize Relations
2020-09-18 | O:U.S. | Ruth Bader Ginsburg, Supreme Court Justice, Dies at 87
2020-09-26 | W | Trump Nominates Amy Coney Barrett to Supreme Court
2020-09-27 | F | Fighting Erupts Between Armenia and Azerbaijan Over Nagorno-Karabakh
2020-09-29 | P | Trump and Biden Clash in Chaotic First Debate
2020-10-02 | W | Trump Tests Positive for the Coronavirus
2020-10-25 | F | Chileans Vote to Rewrite Constitution
2020-10-26 | W | Senate Confirms Amy Coney Barrett to Supreme Court
2020-11-07 | P | Biden Wins the Presidency, Defeating Trump
2020-11-09 | N | Pfizer Says Its Coronavirus Vaccine Is More Than 90 Percent Effective
2020-11-10 | F | Armenia and Azerbaijan Agree to End Fighting in Nagorno-Karabakh
2020-11-27 | F | Iran's Top Nuclear Scientist Assassinated Near Tehran
2020-12-11 | W | F.D.A. Authorizes Pfizer Coronavirus Vaccine
2020-12-13 | W | Russian Hackers Breached U.S. Agencies in Broad Cyberattack
2020-12-14 | N | First Coronavirus Vaccinations Begin in the United States
2020-12-24 | F | Britain and European Union Reach Post-Brexit Trade Deal
"""

# Real events of other desks, dropped as other_desk: "date | news_desk | section | print page | headline".
OTHER_DESKS_TEXT = """
2010-01-27 | Business | Technology | 1 | Apple Unveils the iPad
2010-02-07 | Sports | Sports | 1 | Saints Win Super Bowl, Beating Colts
2010-03-07 | Culture | Movies | 1 | 'The Hurt Locker' Wins Best Picture
2010-05-01 | Metro | N.Y. / Region | 1 | Car Bomb Found in Times Square
2010-05-06 | Business | Business Day | 1 | Stocks Plunge Nearly 1,000 Points Before Partial Recovery
2010-07-11 | Sports | Sports | 1 | Spain Wins World Cup
2011-02-06 | Sports | Sports | 1 | Packers Beat Steelers to Win Super Bowl
2011-06-24 | Metro | N.Y. / Region | 1 | New York Legalizes Same-Sex Marriage
2011-07-21 | Science | Science | 1 | Atlantis Lands, Ending Space Shuttle Era
2011-08-05 | Business | Business Day | 1 | S.&P. Downgrades United States Credit Rating
2011-09-17 | Metro | N.Y. / Region | 22 | Protesters Gather Near Wall Street
2012-02-05 | Sports | Sports | 1 | Giants Beat Patriots in Super Bowl Again
2012-05-18 | Business | Technology | 1 | Facebook Goes Public
2012-07-04 | Science | Science | 1 | Physicists Find Elusive Particle Seen as Key to Universe
2012-08-04 | Sports | Sports | 1 | Michael Phelps Ends Olympic Career With 22nd Medal
2012-08-06 | Science | Science | 1 | Curiosity Rover Lands Safely on Mars
2012-10-30 | Metro | N.Y. / Region | 1 | Flooding From Sandy Cripples New York Subways
2014-03-02 | Culture | Movies | 1 | '12 Years a Slave' Wins Best Picture
2014-07-13 | Sports | Sports | 1 | Germany Wins World Cup, Beating Argentina
2014-07-17 | Metro | N.Y. / Region | 18 | Man Dies After Police Chokehold on Staten Island
2014-11-12 | Science | Science | 1 | Spacecraft Lands on Comet in First for Space Exploration
2015-07-05 | Sports | Sports | 1 | U.S. Women Win World Cup, Routing Japan
2015-08-24 | Business | Business Day | 1 | Dow Plunges More Than 1,000 Points at Open
2015-12-16 | Business | Business Day | 1 | Fed Raises Interest Rates for First Time Since 2006
2016-02-11 | Science | Science | 1 | Scientists Detect Gravitational Waves From Colliding Black Holes
2016-10-13 | Culture | Books | 1 | Bob Dylan Wins Nobel Prize in Literature
2016-11-02 | Sports | Sports | 1 | Cubs Win World Series, Ending 108-Year Drought
2017-02-26 | Culture | Movies | 1 | 'Moonlight' Wins Best Picture After Envelope Mix-Up
2017-08-21 | Science | Science | 1 | Total Solar Eclipse Crosses the United States
2017-10-05 | Business | Business Day | 1 | Harvey Weinstein Paid Off Sexual Harassment Accusers for Decades
2018-02-06 | Science | Science | 12 | SpaceX Launches Falcon Heavy Rocket
2018-07-15 | Sports | Sports | 1 | France Wins World Cup
2018-08-02 | Business | Technology | 1 | Apple Becomes First Public Company Worth $1 Trillion
2019-04-10 | Science | Science | 1 | Astronomers Capture First Image of a Black Hole
2019-04-14 | Sports | Sports | 1 | Tiger Woods Wins the Masters
2019-07-31 | Business | Business Day | 1 | Fed Cuts Interest Rates for First Time Since 2008
2019-08-10 | Metro | N.Y. / Region | 1 | Jeffrey Epstein Dies in Jail Cell in Manhattan
2020-02-09 | Culture | Movies | 1 | 'Parasite' Becomes First Foreign-Language Film to Win Best Picture
2020-03-11 | Sports | Sports | 1 | N.B.A. Suspends Season After Player Tests Positive for Coronavirus
2020-04-20 | Business | Business Day | 1 | Oil Prices Fall Below Zero for First Time
2020-05-30 | Science | Science | 1 | SpaceX Launches NASA Astronauts Into Orbit
"""

# Opinion and other non-news material about real events, dropped as not_news_material:
# "date | news_desk | section | type_of_material | headline".
NOT_NEWS_TEXT = """
2010-01-14 | OpEd | Opinion | Op-Ed | The World Owes Haiti a Lasting Recovery
2010-03-24 | Editorial | Opinion | Editorial | Health Care Reform, at Last
2011-05-03 | Editorial | Opinion | Editorial | The Death of Osama bin Laden
2011-10-07 | OpEd | Opinion | Op-Ed | Remembering Steve Jobs
2012-11-08 | Editorial | Opinion | Editorial | The President's Second Chance
2013-06-27 | Editorial | Opinion | Editorial | A Victory for Equality
2013-10-11 | Foreign | World | Interview | Malala Yousafzai on Her Campaign for Girls' Education
2014-03-19 | OpEd | Opinion | Op-Ed | Putin's Crimean Gamble
2015-01-09 | OpEd | Opinion | Op-Ed | The Attack on Free Expression in Paris
2016-03-23 | Foreign | World | Brief | Brussels Attacks: What We Know
2016-06-25 | Editorial | Opinion | Editorial | Britain's Leap Into the Unknown
2016-11-10 | OpEd | Opinion | Op-Ed | How the Polls Missed Trump's Victory
2017-01-25 | Letters | Opinion | Letter | Readers Respond to the Inauguration
2018-01-02 | Washington | U.S. | Correction | Correction: An Article on the Tax Overhaul
2019-04-17 | OpEd | Opinion | Op-Ed | What Notre-Dame Means to Paris
2020-03-20 | Editorial | Opinion | Editorial | The Pandemic Demands a National Response
"""

# News on the kept desks that the other rules drop: "date | desk code | print page | expected rule | headline".
# Print page "-" means web only (no print_page, no print_section).
OTHER_DROPS_TEXT = """
2010-01-15 | F | 8 | beyond_print_page_limit | Aid Piles Up at Haiti's Airport as Survivors Wait
2011-03-14 | F | 9 | beyond_print_page_limit | Japan Struggles to Cool Reactors at Fukushima Plant
2012-10-31 | W | 18 | beyond_print_page_limit | Obama Tours Storm Damage in New Jersey With Christie
2013-04-19 | N | 14 | beyond_print_page_limit | Manhunt in Boston Suburb Ends With Capture of Bombing Suspect
2014-03-10 | F | 7 | beyond_print_page_limit | Search for Missing Malaysian Jet Widens
2015-11-15 | F | 12 | beyond_print_page_limit | France Strikes ISIS Targets in Syria After Paris Attacks
2017-09-02 | N | 16 | beyond_print_page_limit | Houston Begins to Dry Out After Harvey
2018-10-20 | F | 10 | beyond_print_page_limit | Saudi Arabia Says Khashoggi Died in Fight at Consulate
2020-08-05 | F | 8 | beyond_print_page_limit | Beirut Residents Search Rubble After Blast
2010-04-22 | N | 3 | question_mark_in_headline | How Much Oil Is Leaking Into the Gulf?
2011-02-01 | F | 2 | question_mark_in_headline | Mubarak's Exit: Days or Months?
2012-06-29 | W | 4 | question_mark_in_headline | Who Wins Under the Health Care Ruling?
2013-03-14 | F | 3 | question_mark_in_headline | Who Is Pope Francis?
2014-07-18 | F | 2 | question_mark_in_headline | Who Shot Down Flight 17?
2016-06-25 | F | 4 | question_mark_in_headline | What Happens Now That Britain Has Voted to Leave?
2016-11-10 | P | 6 | question_mark_in_headline | How Did the Polls Get It So Wrong?
2017-05-10 | W | 3 | question_mark_in_headline | Why Did Trump Fire Comey?
2018-06-13 | F | 5 | question_mark_in_headline | What Did the Singapore Summit Achieve?
2019-12-19 | W | 2 | question_mark_in_headline | What Comes Next After Impeachment?
2020-03-12 | N | 4 | question_mark_in_headline | How Long Will the Coronavirus Outbreak Last?
2020-11-08 | P | 3 | question_mark_in_headline | What Will a Biden Presidency Look Like?
2011-01-19 | F | 4 | headline_ends_with_period | Chinese President Hu Jintao Begins State Visit to the U.S.
2014-12-18 | W | 6 | headline_ends_with_period | Cuba Frees Alan Gross, Who Returns to the U.S.
2015-09-22 | F | 3 | headline_ends_with_period | Pope Francis Arrives for First Visit to the U.S.
2016-11-09 | P | - | not_in_print | Live Updates: Election Night Results
2017-01-20 | W | - | not_in_print | Live Updates: Inauguration Day in Washington
2018-11-06 | P | - | not_in_print | Live Updates: Midterm Election Results
2019-04-15 | F | - | not_in_print | Live Updates: Notre-Dame Cathedral Fire
2020-03-26 | N | - | not_in_print | Live Updates: Coronavirus Cases in the United States
2020-11-03 | P | - | not_in_print | Live Updates: Election Day Voting and Results
"""

# Desk or section that does not go with the other: "date | news_desk | section | headline" (section_not_kept_for_desk).
SECTION_MISMATCH_TEXT = """
2010-06-16 | National | Business Day | BP Agrees to $20 Billion Fund for Gulf Spill Victims
2014-06-12 | Foreign | Sports | World Cup Opens in Brazil Amid Protests
2015-07-13 | Foreign | Business Day | Greece Agrees to Tough Bailout Terms
2019-03-13 | Washington | Business Day | U.S. Grounds Boeing 737 Max Jets
"""

# Kept events whose doc spells the desk the way older archive records do; the builder must normalise them.
DESK_SPELLINGS = {
    "Powerful Earthquake Devastates Haiti's Capital": "Foreign Desk",
    "Arizona Governor Signs Strict Immigration Law": "National Desk",
    "Obama Signs Health Care Overhaul Into Law": "Washington Desk",
    "Robert C. Byrd, Longest-Serving Senator, Dies at 92": "Obituaries",
}

MULTIMEDIA_COPIES = 10  # "Video: <event>" docs (document_type multimedia): not_an_article
DUPLICATE_HEADLINES = 8  # a second article with an event's headline a day later: duplicate_headline
DUPLICATE_LISTINGS = 4  # an event's doc listed again in the next month's file: duplicate_article_id


@dataclass(frozen=True)
class Doc:
    day: date
    desk: str
    section: str
    headline: str
    page: int | None  # None: web only
    material: str = "News"
    document_type: str = "article"
    key: str = ""  # what the id is derived from (defaults to date and headline)
    expected: str = "kept"  # the rule expected to drop it, or "kept"
    pub_date: str | None = None  # overrides the computed pub_date (malformed records)
    archive_month: tuple[int, int] | None = None  # overrides the file the doc is listed in


def _rows(text: str, fields: int) -> list[list[str]]:
    rows = []
    for line in text.strip().splitlines():
        parts = [p.strip() for p in line.split(" | ")]
        if len(parts) != fields:
            raise ValueError(f"expected {fields} fields: {line!r}")
        rows.append(parts)
    return rows


def _day(text: str) -> date:
    return date.fromisoformat(text)


def events(rng: random.Random) -> list[Doc]:
    """The kept events, with seeded print pages (page 1 for about a third)."""
    docs = []
    for day, code, headline in _rows(EVENTS_TEXT, 3):
        if code.startswith("O:"):
            desk, section, material, limit = "Obits", code[2:], "Obituary (Obit)", 10
        else:
            desk, section = DESK_CODES[code]
            material = "News Analysis" if code == "F" and rng.random() < SHARE_NEWS_ANALYSIS else "News"
            limit = 5 if desk == "Foreign" else 10
        page = 1 if rng.random() < SHARE_ON_FRONT_PAGE else rng.randint(2, limit)
        desk = DESK_SPELLINGS.get(headline, desk)
        docs.append(Doc(_day(day), desk, section, headline, page, material))
    return docs


def drop_docs(kept: list[Doc], rng: random.Random) -> list[Doc]:
    """Every doc the builder must drop, each with the one rule expected to drop it (rules apply in order)."""
    docs = [
        Doc(_day(d), desk, section, h, int(p), expected="other_desk")
        for d, desk, section, p, h in _rows(OTHER_DESKS_TEXT, 5)
    ]
    docs += [
        Doc(_day(d), desk, section, h, rng.randint(15, 30), material=material, expected="not_news_material")
        for d, desk, section, material, h in _rows(NOT_NEWS_TEXT, 5)
    ]
    for d, code, page, rule, h in _rows(OTHER_DROPS_TEXT, 5):
        desk, section = DESK_CODES[code]
        docs.append(Doc(_day(d), desk, section, h, None if page == "-" else int(page), expected=rule))
    docs += [
        Doc(_day(d), desk, section, h, rng.randint(1, 5), expected="section_not_kept_for_desk")
        for d, desk, section, h in _rows(SECTION_MISMATCH_TEXT, 4)
    ]

    # Events before the 28th, so that a copy a day later stays in the same month.
    candidates = [i for i, e in enumerate(kept) if e.day.day < 28]
    picks = rng.sample(candidates, MULTIMEDIA_COPIES + DUPLICATE_HEADLINES + DUPLICATE_LISTINGS)
    video, dup_text, dup_listing = (
        picks[:MULTIMEDIA_COPIES],
        picks[MULTIMEDIA_COPIES : MULTIMEDIA_COPIES + DUPLICATE_HEADLINES],
        picks[MULTIMEDIA_COPIES + DUPLICATE_HEADLINES :],
    )
    for i in video:
        e = kept[i]
        docs.append(
            replace(
                e,
                headline=f"Video: {e.headline}",
                page=None,
                material="Video",
                document_type="multimedia",
                expected="not_an_article",
            )
        )
    for i in dup_text:
        e = kept[i]  # same text a day later (a second article: a follow-up or the web version)
        docs.append(
            replace(
                e,
                day=e.day + timedelta(days=1),
                page=rng.randint(2, 5 if "Foreign" in e.desk else 10),
                key=f"second article|{e.headline}",
                expected="duplicate_headline",
            )
        )
    for i in dup_listing:
        e = kept[i]
        listed = (e.day.year + e.day.month // 12, e.day.month % 12 + 1)
        if listed[0] > LAST_YEAR:
            listed = (e.day.year, e.day.month - 1 if e.day.month > 1 else 2)
        docs.append(replace(e, archive_month=listed, expected="duplicate_article_id"))

    # Four malformed records (obviously synthetic headlines), one defect each.
    docs += [
        Doc(
            date(2012, 2, 14),
            "Foreign",
            "World",
            "Sample Record Without an Article Id",
            3,
            key="",
            expected="no_article_id",
        ),
        Doc(
            date(2014, 2, 14),
            "Foreign",
            "World",
            "Sample Record With an Impossible Date",
            3,
            pub_date="2014-02-30T05:00:00+0000",
            key="impossible date",
            expected="malformed_pub_date",
        ),
        Doc(date(2016, 8, 14), "National", "U.S.", "", 4, key="empty headline", expected="no_headline"),
        # 22:00 in New York on Dec 31, 2009 is already Jan 1 in UTC: listed in the 2010-01 file, dated 2009.
        Doc(
            date(2009, 12, 31),
            "Foreign",
            "World",
            "Sample Record Dated Before the Range",
            2,
            pub_date="2010-01-01T03:00:00+0000",
            archive_month=(2010, 1),
            expected="outside_date_range",
        ),
    ]
    return docs


def pub_date_text(day: date, rng: random.Random, evening: bool) -> str:
    """The archive's UTC timestamp: midnight in New York, or an evening time (next day in UTC)."""
    local = time(rng.randint(20, 23), rng.choice((0, 15, 30, 45))) if evening else time(0, 0)
    moment = datetime.combine(day, local, tzinfo=NEW_YORK).astimezone(ZoneInfo("UTC"))
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def slug(text: str, words: int = 8) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:words]) or "untitled"


def archive_doc(doc: Doc, rng: random.Random) -> dict[str, Any]:
    """A doc in the Archive API's shape (the fields the builder reads, and a few it does not)."""
    evening = doc.expected == "kept" and 1 < doc.day.day < 28 and rng.random() < SHARE_EVENING_WEB_TIME
    pub_date = doc.pub_date or pub_date_text(doc.day, rng, evening)
    kind = "video" if doc.document_type == "multimedia" else "article"
    out: dict[str, Any] = {
        "headline": {"main": doc.headline, "kicker": None, "print_headline": doc.headline if doc.page else ""},
        "pub_date": pub_date,
        "document_type": doc.document_type,
        "type_of_material": doc.material,
        "news_desk": doc.desk,
        "section_name": doc.section,
        "web_url": f"{URL_BASE}/{doc.day:%Y/%m/%d}/{slug(doc.section)}/{slug(doc.headline)}.html",
        "word_count": rng.randint(300, 2000) if kind == "article" else 0,
    }
    if doc.expected != "no_article_id":
        ident = uuid.uuid5(ID_NAMESPACE, doc.key or f"{doc.day.isoformat()}|{doc.headline}")
        out["_id"] = out["uri"] = f"nyt://{kind}/{ident}"
    if doc.page is not None:
        out["print_page"] = str(doc.page)
        out["print_section"] = "A"
    return out


def month_files(docs: list[Doc], rng: random.Random) -> tuple[dict[str, bytes], dict[str, int]]:
    """One gzip JSON file per month of 2010-2020, docs sorted by pub_date then id; and the docs per month."""
    by_month: dict[tuple[int, int], list[dict]] = {
        (y, m): [] for y in range(FIRST_YEAR, LAST_YEAR + 1) for m in range(1, 13)
    }
    rendered: dict[str, dict] = {}
    for doc in docs:
        ident = doc.key or f"{doc.day.isoformat()}|{doc.headline}"
        if doc.expected == "duplicate_article_id":
            body = rendered[ident]  # the very same doc, listed a second time
        else:
            body = rendered[ident] = archive_doc(doc, rng)
        by_month[doc.archive_month or (doc.day.year, doc.day.month)].append(body)
    files, counts = {}, {}
    for (year, month), month_docs in sorted(by_month.items()):
        month_docs.sort(key=lambda d: (d["pub_date"], d.get("uri", ""), d["headline"]["main"]))
        body = {"copyright": COPYRIGHT, "response": {"docs": month_docs, "meta": {"hits": len(month_docs)}}}
        files[f"{ARCHIVE_DIR}/{year}/{month}.json.gz"] = gzip_json(body)
        counts[f"{year}-{month:02d}"] = len(month_docs)
    return files, counts


def headlines_part(max_cities: int | None = None):
    """NYT Archive API months for the headlines dataset (``max_cities`` does not apply)."""
    rng = random.Random(SEED)
    kept = events(rng)
    dropped = drop_docs(kept, rng)
    files, per_month = month_files(kept + dropped, rng)
    expected: dict[str, int] = {}
    for doc in dropped:
        expected[doc.expected] = expected.get(doc.expected, 0) + 1
    manifest = {
        "what": (
            "NYT Archive API months 2010-01..2020-12 in the API's JSON shape. The headlines were WRITTEN FOR "
            "THE SAMPLE to describe real news events and are dated on the day of the event (New York time); "
            "they are not New York Times text. Ids, URLs (.invalid), print pages, word counts and times of "
            "day are synthetic and seeded."
        ),
        "served_as": "/svc/archive/v1/{year}/{month}.json by a local HTTP server (pipelines/servers/nyt.py)",
        "generator": {"module": "tools.sample.headlines", "seed": SEED},
        "counts": {
            "months": len(per_month),
            "docs": sum(per_month.values()),
            "kept_events": len(kept),
            "events_on_front_page": sum(1 for d in kept if d.page == 1),
            "obituaries": sum(1 for d in kept if d.desk in ("Obits", "Obituaries")),
            "desk_spelling_variants": len(DESK_SPELLINGS),
            "docs_per_month_min": min(per_month.values()),
            "docs_per_month_max": max(per_month.values()),
            "expected_drops": dict(sorted(expected.items())),
        },
        "kept_per_year": {str(y): sum(1 for d in kept if d.day.year == y) for y in range(FIRST_YEAR, LAST_YEAR + 1)},
    }
    return SamplePart("headlines", files, {}, manifest)
