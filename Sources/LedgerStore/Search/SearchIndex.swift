import GRDB

/// The full-text index of a searchable table, in FTS5 tables keyed by the row id:
/// - `<table>_fts`, trigram tokenizer, the record's name and its whole search text as columns: words of three or
///   more characters, any substring;
/// - `<table>_grams`, contentless, the same two columns as character bigrams (`Bigrams`): words of one or two
///   characters, which a trigram index cannot find;
/// - `<table>_names` (trigrams) and `<table>_name_grams` (bigrams, contentless) of the name alone, so that the hits
///   whose name holds a word are found without reading every hit of a word common in other text.
struct SearchIndex: Sendable {
    let table: String

    var trigrams: String { "\(table)_fts" }
    var grams: String { "\(table)_grams" }
    var names: String { "\(table)_names" }
    var nameGrams: String { "\(table)_name_grams" }

    /// A row's name and text as the tables hold them: as written, and as character bigrams (`Bigrams`). Made apart from
    /// the write, so that many rows' bigrams can be worked out on several cores.
    struct Entry: Sendable {
        let name: String
        let text: String
        let nameGrams: String
        let textGrams: String

        init(name: String, text: String) {
            (self.name, self.text) = (name, text)
            (nameGrams, textGrams) = (Bigrams.text(name), Bigrams.text(text))
        }
    }

    /// Indexes a new row.
    func insert(_ db: Database, id: Int64, _ entry: Entry) throws {
        try insertText(db, id: id, entry)
        try insertName(db, id: id, name: entry.name, grams: entry.nameGrams)
    }

    /// Indexes a row's name and text in the trigram and bigram tables.
    /// (Bound directly, `DirectInsert`: an import indexes every row it wrote under the write lock.)
    private func insertText(_ db: Database, id: Int64, _ entry: Entry) throws {
        try DirectInsert(db.cachedStatement(sql: "INSERT INTO \(trigrams) (rowid, name, text) VALUES (?, ?, ?)"), in: db)
            .run([.integer(id), .text(entry.name), .text(entry.text)])
        try DirectInsert(db.cachedStatement(sql: "INSERT INTO \(grams) (rowid, name, text) VALUES (?, ?, ?)"), in: db)
            .run([.integer(id), .text(entry.nameGrams), .text(entry.textGrams)])
    }

    private func insertName(_ db: Database, id: Int64, name: String, grams: String) throws {
        try DirectInsert(db.cachedStatement(sql: "INSERT INTO \(names) (rowid, name) VALUES (?, ?)"), in: db)
            .run([.integer(id), .text(name)])
        try DirectInsert(db.cachedStatement(sql: "INSERT INTO \(nameGrams) (rowid, name) VALUES (?, ?)"), in: db)
            .run([.integer(id), .text(grams)])
    }

    /// Forgets a row. A contentless FTS5 table forgets a row given the values it indexed, which the trigram table keeps.
    func remove(_ db: Database, id: Int64) throws {
        guard let name = try removeText(db, id: id) else { return }
        try removeName(db, id: id, name: name)
    }

    /// Forgets a row's text (both columns of the trigram and bigram tables); returns the name it had.
    private func removeText(_ db: Database, id: Int64) throws -> String? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT name, text FROM \(trigrams) WHERE rowid = ?"),
                arguments: [id])
        else { return nil }
        try db.cachedStatement(sql: "INSERT INTO \(grams) (\(grams), rowid, name, text) VALUES ('delete', ?, ?, ?)")
            .execute(arguments: [id, Bigrams.text(row["name"]), Bigrams.text(row["text"])])
        try db.cachedStatement(sql: "DELETE FROM \(trigrams) WHERE rowid = ?").execute(arguments: [id])
        return row["name"]
    }

    private func removeName(_ db: Database, id: Int64, name: String) throws {
        try db.cachedStatement(sql: "INSERT INTO \(nameGrams) (\(nameGrams), rowid, name) VALUES ('delete', ?, ?)")
            .execute(arguments: [id, Bigrams.text(name)])
        try db.cachedStatement(sql: "DELETE FROM \(names) WHERE rowid = ?").execute(arguments: [id])
    }

    /// Replaces a row's indexed name and text; the name tables are left alone when the name is unchanged (as when
    /// an import adds a resource's data items).
    func replace(_ db: Database, id: Int64, _ entry: Entry) throws {
        let oldName = try removeText(db, id: id)
        try insertText(db, id: id, entry)
        guard oldName != entry.name else { return }
        if let oldName { try removeName(db, id: id, name: oldName) }
        try insertName(db, id: id, name: entry.name, grams: entry.nameGrams)
    }

    /// Creates the bigram table and fills it from the trigram table, which gains the name column (migration v6).
    static func migrate(_ db: Database, table: String) throws {
        let index = SearchIndex(table: table)
        try db.execute(
            sql: """
                CREATE VIRTUAL TABLE \(table)_fts_v6 USING fts5(name, text, tokenize = 'trigram');
                INSERT INTO \(table)_fts_v6 (rowid, name, text)
                    SELECT f.rowid, e.name, f.text FROM \(index.trigrams) f JOIN \(table) e ON e.id = f.rowid;
                DROP TABLE \(index.trigrams);
                ALTER TABLE \(table)_fts_v6 RENAME TO \(index.trigrams);
                CREATE VIRTUAL TABLE \(index.grams) USING fts5(name, text, tokenize = 'ascii', content = '', detail = column);
                """)
        let rows = try Row.fetchCursor(db, sql: "SELECT rowid, name, text FROM \(index.trigrams)")
        while let row = try rows.next() {
            try db.cachedStatement(sql: "INSERT INTO \(index.grams) (rowid, name, text) VALUES (?, ?, ?)")
                .execute(arguments: [row["rowid"], Bigrams.text(row["name"]), Bigrams.text(row["text"])])
        }
    }

    /// Creates the name tables and fills them from the trigram table (migration v7).
    static func migrateNames(_ db: Database, table: String) throws {
        let index = SearchIndex(table: table)
        try db.execute(
            sql: """
                CREATE VIRTUAL TABLE \(index.names) USING fts5(name, tokenize = 'trigram');
                CREATE VIRTUAL TABLE \(index.nameGrams) USING fts5(name, tokenize = 'ascii', content = '', detail = none);
                """)
        let rows = try Row.fetchCursor(db, sql: "SELECT rowid, name FROM \(index.trigrams)")
        while let row = try rows.next() {
            let name: String = row["name"]
            try index.insertName(db, id: row["rowid"], name: name, grams: Bigrams.text(name))
        }
    }
}

/// Character bigrams of text, as tokens that FTS5's `ascii` tokenizer keeps whole (it splits on ASCII
/// punctuation and spaces only and folds ASCII case). Each run of word characters (letters, digits, CJK; not
/// spaces or punctuation) gives each pair of neighbours and its last character alone, so a two-character word is
/// one token and a one-character word a prefix query: `不动产` → `不动 动产 产`.
enum Bigrams {
    /// The index text of `text`.
    static func text(_ text: String) -> String {
        // Built as UTF-8 bytes, with no closure over them (a nested function appending to a captured array was checked
        // for exclusive access at every byte): appending to a string scalar by scalar was most of an import's indexing.
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 2 + 8)
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            let isWord = isWordCharacter(scalar)
            if let last = previous {
                if !out.isEmpty { out.append(UInt8(ascii: " ")) }
                put(last, into: &out)
                if isWord { put(scalar, into: &out) }
            }
            previous = isWord ? scalar : nil
        }
        if let last = previous {
            if !out.isEmpty { out.append(UInt8(ascii: " ")) }
            put(last, into: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func put(_ scalar: Unicode.Scalar, into out: inout [UInt8]) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            out.append(UInt8(value))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | value >> 6))
            out.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | value >> 12))
            out.append(UInt8(0x80 | value >> 6 & 0x3F))
            out.append(UInt8(0x80 | value & 0x3F))
        default:
            out.append(UInt8(0xF0 | value >> 18))
            out.append(UInt8(0x80 | value >> 12 & 0x3F))
            out.append(UInt8(0x80 | value >> 6 & 0x3F))
            out.append(UInt8(0x80 | value & 0x3F))
        }
    }

    /// The FTS5 query for a word of one or two word characters: the bigram itself, or every token the character
    /// starts; `nil` for other words.
    static func query(_ word: String) -> String? {
        let scalars = word.unicodeScalars
        guard (1...2).contains(scalars.count), scalars.allSatisfy(isWordCharacter) else { return nil }
        return scalars.count == 2 ? "\"\(word)\"" : "\"\(word)\"*"
    }

    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
        }
        if ("\u{4E00}"..."\u{9FFF}").contains(scalar) { return true }  // CJK ideographs, most of the text: no table lookup
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return false
        default:
            return true
        }
    }
}
