/**
 * Name, place and organisation data for generated demo users. Names in a non-Latin script carry
 * their romanisation after a `|` (used for usernames); Latin names are folded to ASCII instead.
 * Surnames come first-most-common, so a skewed pick makes several users share a last name.
 */
export interface Culture {
  /** Relative share of users. */
  weight: number
  female: readonly string[]
  male: readonly string[]
  last: readonly string[]
  /** Female surname forms, index-aligned with `last`, where the language has them. */
  lastFemale?: readonly string[]
  /** `City|CC` entries (ISO 3166 country code). */
  cities: readonly string[]
  timezone: string
}

export const CULTURES: readonly Culture[] = [
  {
    weight: 26,
    female: ['Olivia', 'Amelia', 'Isla', 'Ava', 'Emily', 'Sophie', 'Grace', 'Chloe', 'Zoë', 'Hannah', 'Ella', 'Lily', 'Evie', 'Ruby', 'Charlotte'],
    male: ['Oliver', 'Jack', 'Harry', 'George', 'Noah', 'Charlie', 'Thomas', 'James', 'William', 'Henry', 'Samuel', 'Daniel', 'Joshua', 'Alfie', 'Leo'],
    last: ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Jackson', 'Clarke', "O'Neill", 'Harris', 'Lewis', 'Martin', 'Cooper'],
    cities: ['London|GB', 'Manchester|GB', 'Leeds|GB', 'Bristol|GB', 'Edinburgh|GB', 'Cardiff|GB', 'New York|US', 'Chicago|US', 'Seattle|US', 'Sydney|AU', 'Melbourne|AU', 'Auckland|NZ', 'Toronto|CA'],
    timezone: 'Europe/London',
  },
  {
    weight: 10,
    female: ['Chloé', 'Léa', 'Manon', 'Camille', 'Inès', 'Zoé', 'Noémie', 'Hélène', 'Amélie', 'Françoise', 'Maëlle', 'Océane'],
    male: ['Louis', 'Gabriel', 'Raphaël', 'Hugo', 'Théo', 'Mathéo', 'Benoît', 'Jérôme', 'Étienne', 'François', 'Loïc', 'Gaël'],
    last: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Lefèvre', 'Girard', 'Bonnet', 'Dupont', 'Lambert', 'Fontaine', 'Rousseau', 'Mercier', 'Faure', 'Gauthier'],
    cities: ['Paris|FR', 'Lyon|FR', 'Marseille|FR', 'Toulouse|FR', 'Nantes|FR', 'Montréal|CA', 'Québec|CA', 'Bruxelles|BE', 'Genève|CH'],
    timezone: 'Europe/Paris',
  },
  {
    weight: 11,
    female: ['María', 'Lucía', 'Sofía', 'Inés', 'Nuria', 'Mónica', 'Ana', 'Paula', 'Begoña', 'Valentina', 'Ximena', 'Camila'],
    male: ['José', 'Martín', 'Hugo', 'Álvaro', 'Andrés', 'Jesús', 'Raúl', 'Adrián', 'Iñaki', 'Sebastián', 'Mateo', 'Joaquín'],
    last: ['García', 'Fernández', 'González', 'Rodríguez', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez', 'Martín', 'Jiménez', 'Ruiz', 'Hernández', 'Díaz', 'Muñoz', 'Peña', 'Ibáñez', 'Castillo'],
    cities: ['Madrid|ES', 'Barcelona|ES', 'Sevilla|ES', 'Valencia|ES', 'Bilbao|ES', 'Ciudad de México|MX', 'Bogotá|CO', 'Buenos Aires|AR', 'Santiago|CL', 'Lima|PE'],
    timezone: 'Europe/Madrid',
  },
  {
    weight: 9,
    female: ['Anna', 'Lena', 'Mia', 'Emma', 'Käthe', 'Ute', 'Jana', 'Sophie', 'Lea', 'Greta', 'Jördis', 'Anja'],
    male: ['Lukas', 'Leon', 'Jürgen', 'Jörg', 'Günter', 'Felix', 'Maximilian', 'Sören', 'Björn', 'Tobias', 'Matthias', 'Uwe'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Zimmermann', 'Groß'],
    cities: ['Berlin|DE', 'München|DE', 'Hamburg|DE', 'Köln|DE', 'Düsseldorf|DE', 'Leipzig|DE', 'Wien|AT', 'Graz|AT', 'Zürich|CH'],
    timezone: 'Europe/Berlin',
  },
  {
    weight: 8,
    female: ['Adéla', 'Tereza', 'Kateřina', 'Lucie', 'Eliška', 'Markéta', 'Šárka', 'Anežka', 'Zuzana', 'Barbora', 'Klára', 'Věra'],
    male: ['Jiří', 'Jan', 'Petr', 'Tomáš', 'Ondřej', 'Radek', 'Zdeněk', 'Vojtěch', 'Lukáš', 'Matěj', 'Jakub', 'Štěpán'],
    last: ['Novák', 'Svoboda', 'Novotný', 'Dvořák', 'Černý', 'Procházka', 'Kučera', 'Veselý', 'Horák', 'Němec', 'Pokorný', 'Marek', 'Růžička', 'Beneš', 'Fiala', 'Doležal'],
    lastFemale: ['Nováková', 'Svobodová', 'Novotná', 'Dvořáková', 'Černá', 'Procházková', 'Kučerová', 'Veselá', 'Horáková', 'Němcová', 'Pokorná', 'Marková', 'Růžičková', 'Benešová', 'Fialová', 'Doležalová'],
    cities: ['Praha|CZ', 'Brno|CZ', 'Ostrava|CZ', 'Plzeň|CZ', 'Olomouc|CZ', 'České Budějovice|CZ', 'Bratislava|SK', 'Košice|SK'],
    timezone: 'Europe/Prague',
  },
  {
    weight: 6,
    female: ['Ingrid', 'Åsa', 'Sigrid', 'Kari', 'Solveig', 'Astrid', 'Linnéa', 'Maja', 'Ingebjørg', 'Frøydis', 'Signe', 'Malin'],
    male: ['Øyvind', 'Bjørn', 'Lars', 'Håkon', 'Eirik', 'Magnus', 'Søren', 'Ørjan', 'Anders', 'Stig', 'Jørgen', 'Nils'],
    last: ['Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen', 'Jensen', 'Berg', 'Haugen', 'Hagen', 'Dahl', 'Lund', 'Sørensen', 'Strøm', 'Lindqvist', 'Åberg', 'Bakke'],
    cities: ['Oslo|NO', 'Bergen|NO', 'Trondheim|NO', 'Tromsø|NO', 'Stavanger|NO', 'Stockholm|SE', 'Göteborg|SE', 'Malmö|SE', 'København|DK', 'Århus|DK'],
    timezone: 'Europe/Oslo',
  },
  {
    weight: 6,
    female: ['Linh', 'Hương', 'Thảo', 'Hà', 'Trang', 'Phương', 'Ngọc', 'Mai', 'Lan', 'Thủy'],
    male: ['Anh', 'Minh', 'Tuấn', 'Dũng', 'Quang', 'Hiếu', 'Đức', 'Hùng', 'Khoa', 'Long'],
    last: ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ'],
    cities: ['Hà Nội|VN', 'Thành phố Hồ Chí Minh|VN', 'Đà Nẵng|VN', 'Huế|VN', 'Hải Phòng|VN', 'Cần Thơ|VN'],
    timezone: 'Asia/Ho_Chi_Minh',
  },
  {
    weight: 5,
    female: ['Małgorzata', 'Zofia', 'Agnieszka', 'Katarzyna', 'Grażyna', 'Joanna', 'Aleksandra', 'Magdalena'],
    male: ['Łukasz', 'Wojciech', 'Krzysztof', 'Paweł', 'Michał', 'Jakub', 'Piotr', 'Marcin'],
    last: ['Kowalski', 'Nowak', 'Wiśniewski', 'Wójcik', 'Kamiński', 'Lewandowski', 'Zieliński', 'Szymański', 'Woźniak', 'Dąbrowski'],
    lastFemale: ['Kowalska', 'Nowak', 'Wiśniewska', 'Wójcik', 'Kamińska', 'Lewandowska', 'Zielińska', 'Szymańska', 'Woźniak', 'Dąbrowska'],
    cities: ['Warszawa|PL', 'Kraków|PL', 'Łódź|PL', 'Wrocław|PL', 'Gdańsk|PL', 'Poznań|PL'],
    timezone: 'Europe/Warsaw',
  },
  {
    weight: 4,
    female: ['Çağla', 'Şule', 'Elif', 'Ayşe', 'Zeynep', 'Gülşen', 'Özlem', 'İpek'],
    male: ['Ömer', 'Gökhan', 'İbrahim', 'Mehmet', 'Emre', 'Barış', 'Uğur', 'Çağrı'],
    last: ['Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Yıldız', 'Öztürk', 'Aydın', 'Arslan', 'Doğan'],
    cities: ['İstanbul|TR', 'Ankara|TR', 'İzmir|TR', 'Bursa|TR', 'Eskişehir|TR'],
    timezone: 'Europe/Istanbul',
  },
  {
    weight: 4,
    female: ['Siobhán', 'Aoife', 'Niamh', 'Caoimhe', 'Saoirse', 'Róisín', 'Orla', 'Sinéad'],
    male: ['Seán', 'Pádraig', 'Cian', 'Oisín', 'Darragh', 'Eoin', 'Ciarán', 'Tadhg'],
    last: ["O'Brien", "O'Connor", 'Murphy', 'Kelly', 'Byrne', 'Ryan', 'Walsh', "O'Sullivan", 'Ó Súilleabháin', 'McCarthy', 'Doyle', 'Mac Giolla Phádraig'],
    cities: ['Dublin|IE', 'Cork|IE', 'Galway|IE', 'Limerick|IE', 'Waterford|IE', 'Belfast|GB'],
    timezone: 'Europe/Dublin',
  },
  {
    weight: 4,
    female: ['Fatima', 'Aisha', 'Layla', 'Nour', 'Mariam', 'Yasmin', 'Salma', 'Hala'],
    male: ['Mohammed', 'Omar', 'Youssef', 'Karim', 'Ahmed', 'Khaled', 'Tariq', 'Sami'],
    last: ['Haddad', 'Khalil', 'Mansour', 'Nasser', 'Saleh', 'Farah', 'Al-Sayed', 'Hassan', 'Aziz', 'El-Amin'],
    cities: ['Cairo|EG', 'Alexandria|EG', 'Amman|JO', 'Beirut|LB', 'Casablanca|MA', 'Dubai|AE', 'Doha|QA'],
    timezone: 'Africa/Cairo',
  },
  {
    weight: 3,
    female: ['Анастасия|anastasia', 'Мария|maria', 'Екатерина|ekaterina', 'Ольга|olga', 'Наталья|natalya', 'Татьяна|tatyana'],
    male: ['Дмитрий|dmitry', 'Иван|ivan', 'Алексей|alexey', 'Сергей|sergey', 'Михаил|mikhail', 'Артём|artyom'],
    last: ['Иванов|ivanov', 'Смирнов|smirnov', 'Кузнецов|kuznetsov', 'Попов|popov', 'Соколов|sokolov', 'Волков|volkov', 'Козлов|kozlov', 'Лебедев|lebedev'],
    lastFemale: ['Иванова|ivanova', 'Смирнова|smirnova', 'Кузнецова|kuznetsova', 'Попова|popova', 'Соколова|sokolova', 'Волкова|volkova', 'Козлова|kozlova', 'Лебедева|lebedeva'],
    cities: ['Москва|RU', 'Санкт-Петербург|RU', 'Новосибирск|RU', 'Алматы|KZ', 'Рига|LV'],
    timezone: 'Europe/Moscow',
  },
  {
    weight: 2,
    female: ['陽菜|hina', '結衣|yui', '美咲|misaki', 'さくら|sakura', '葵|aoi'],
    male: ['翔太|shota', '大翔|hiroto', '蓮|ren', '颯太|sota', '拓海|takumi'],
    last: ['佐藤|sato', '鈴木|suzuki', '高橋|takahashi', '田中|tanaka', '渡辺|watanabe', '伊藤|ito', '山本|yamamoto'],
    cities: ['東京|JP', '大阪|JP', '京都|JP', '札幌|JP', '福岡|JP'],
    timezone: 'Asia/Tokyo',
  },
  {
    weight: 2,
    female: ['芳|fang', '秀英|xiuying', '静|jing', '丽|li', '婷|ting'],
    male: ['伟|wei', '敏|min', '磊|lei', '强|qiang', '军|jun'],
    last: ['王|wang', '李|li', '张|zhang', '刘|liu', '陈|chen', '杨|yang', '黄|huang', '赵|zhao'],
    cities: ['北京|CN', '上海|CN', '深圳|CN', '成都|CN', '台北|TW', '香港|HK'],
    timezone: 'Asia/Shanghai',
  },
]

export const INSTITUTIONS = [
  'Moodle Bridge University', 'Northbridge College', 'Demo Institute of Technology', 'Riverside Academy',
  'Open Learning Centre', 'École supérieure de démonstration', 'Universität Demostadt', 'St. Anne\'s Sixth Form',
] as const

export const DEPARTMENTS = [
  'Mathematics', 'Computer Science', 'Physics', 'History', 'Modern Languages', 'Business & Management',
  'Économie', 'Student Services', 'IT Services', 'Library', 'Administration', 'Research Office',
] as const

const SPECIAL_LETTERS: Record<string, string> = {
  ø: 'o', Ø: 'o', æ: 'ae', Æ: 'ae', œ: 'oe', Œ: 'oe', ß: 'ss', đ: 'd', Đ: 'd', ł: 'l', Ł: 'l', ı: 'i',
}

const splitNames = new Map<string, { display: string; ascii: string }>()

/** Display text and ASCII form of a name entry (`display|ascii` or a Latin name folded to ASCII). */
export function splitName(entry: string): { display: string; ascii: string } {
  let name = splitNames.get(entry)
  if (!name) {
    const bar = entry.indexOf('|')
    name = bar >= 0 ? { display: entry.slice(0, bar), ascii: entry.slice(bar + 1) } : { display: entry, ascii: foldToAscii(entry) }
    splitNames.set(entry, name)
  }
  return name
}

/** Lower-case ASCII letters and digits only: `Ó Súilleabháin` → `osuilleabhain`, `Øyvind` → `oyvind`. */
export function foldToAscii(text: string): string {
  return text
    .replace(/[øØæÆœŒßđĐłŁı]/g, (c) => SPECIAL_LETTERS[c] ?? c)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
}
