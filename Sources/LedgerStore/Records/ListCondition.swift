import LedgerCore

/// The SQL of the store a statement is for, where SQLite's and PostgreSQL's differ.
enum SQLDialect {
    case sqlite, postgres

    /// The placeholder of the `number`th argument (from 1).
    func parameter(_ number: Int) -> String {
        switch self {
        case .sqlite: "?"
        case .postgres: "$\(number)"
        }
    }

    /// Whether `column` holds the text of the `number`th argument.
    func contains(_ column: String, parameter number: Int) -> String {
        switch self {
        case .sqlite: "instr(\(column), ?) > 0"
        case .postgres: "strpos(\(column), $\(number)) > 0"
        }
    }
}

/// The `WHERE` clause (or nothing) of a listing and its arguments, for either store: a `ListFilter` on the entity's
/// `filterColumns` and a name that must contain some text.
struct ListCondition {
    /// `WHERE …`, or empty.
    var sql = ""
    /// The arguments, in the order of their placeholders.
    var arguments: [String] = []

    init<E: StoredEntity>(_ type: E.Type, filter: ListFilter, nameContains: String?, dialect: SQLDialect) throws {
        var conditions: [String] = []
        func next(_ value: String) -> String {
            arguments.append(value)
            return dialect.parameter(arguments.count)
        }
        for (negated, terms) in [(false, filter.anyOf), (true, filter.noneOf)] {
            for (name, values) in terms.sorted(by: { $0.key < $1.key }) {
                let column = try Self.column(E.self, name)
                let marks = values.sorted().map(next).joined(separator: ", ")
                // A column without a value (a resource without a 资源格式类型) is none of the excluded values.
                conditions.append(negated ? "coalesce(\(column), '') NOT IN (\(marks))" : "\(column) IN (\(marks))")
            }
        }
        if let bounds = filter.updated {
            // Timestamps are stored in one form (`Ledger.timestamp`), so their order is their text's.
            if let lower = bounds.lower { conditions.append("updated_at \(bounds.includesLower ? ">=" : ">") \(next(lower))") }
            if let upper = bounds.upper { conditions.append("updated_at \(bounds.includesUpper ? "<=" : "<") \(next(upper))") }
        }
        if let text = Normalize.optional(nameContains) {
            arguments.append(text)
            conditions.append(dialect.contains("name", parameter: arguments.count))
        }
        sql = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    /// The column of filter `name`; an unknown filter is refused, naming those there are.
    static func column<E: StoredEntity>(_ type: E.Type, _ name: String) throws -> String {
        guard let column = E.filterColumns[name] else {
            let allowed = E.filterColumns.keys.sorted().joined(separator: ", ")
            throw LedgerError(.badRequest, "\(E.label)列表不支持筛选条件“\(name)”（可用：\(allowed)）")
        }
        return column
    }
}
