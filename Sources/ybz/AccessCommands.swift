import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

extension Role: ExpressibleByArgument {}

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage accounts: data-officer (bound to one unit), reviewer, finance, admin.",
        subcommands: [Add.self, List.self, Disable.self, Enable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account; the password is read from standard input.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Username (lower-case letters, digits, . _ -).") var username: String
        @Option(help: "data-officer, reviewer, finance or admin.") var role: Role
        @Option(help: "The unit (USCC) a data officer is bound to.") var unit: String?
        @Option(help: "Display name.") var name: String?

        func run() async throws {
            let (store, _) = try await data.openLedger()
            defer { store.close() }
            if isatty(STDIN_FILENO) == 1 { FileHandle.standardError.write(Data("密码（至少10个字符）：".utf8)) }
            guard let password = readLine(strippingNewline: true) else { throw ValidationError("请从标准输入提供密码") }
            let account = try await userFacing {
                try await store.accounts.createAccount(
                    username: username, displayName: name ?? username, role: role, unitUSCC: unit,
                    password: password, by: .commandLine)
            }
            print("已创建账号 \(account.username)（\(account.role.label)\(account.unitUSCC.map { "，单位 \($0)" } ?? "")）")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let (store, _) = try await data.openLedger()
            defer { store.close() }
            for account in try await store.accounts.accounts() {
                print(
                    TextTable.pad(account.username, 22) + TextTable.pad(account.role.rawValue, 14) + TextTable.pad(account.unitUSCC ?? "-", 20)
                        + (account.disabled ? "已停用" : "启用") + "  \(account.displayName)")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account; its tokens and sessions stop working at once.")
        @OptionGroup var data: DataOptions
        @Argument var username: String

        func run() async throws { try await User.setDisabled(data, username, true) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @OptionGroup var data: DataOptions
        @Argument var username: String

        func run() async throws { try await User.setDisabled(data, username, false) }
    }

    static func setDisabled(_ data: DataOptions, _ username: String, _ disabled: Bool) async throws {
        let (store, _) = try await data.openLedger()
        defer { store.close() }
        _ = try await userFacing { try await store.accounts.setDisabled(username, disabled, by: .commandLine) }
        print("\(disabled ? "已停用" : "已启用") \(username)")
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "API tokens (Authorization: Bearer …); stored only as SHA-256, shown once.",
        subcommands: [Create.self, Revoke.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token for an account and print it once.")
        @OptionGroup var data: DataOptions
        @Argument var username: String
        @Option(help: "What the token is for.") var name = "cli"

        func run() async throws {
            let (store, _) = try await data.openLedger()
            defer { store.close() }
            let (token, secret) = try await userFacing { try await store.accounts.createToken(username: username, name: name, by: .commandLine) }
            FileHandle.standardError.write(Data("令牌 #\(token.id)（\(username)，\(name)），只显示这一次：\n".utf8))
            print(secret)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke token N.")
        @OptionGroup var data: DataOptions
        @Argument var id: Int64

        func run() async throws {
            let (store, _) = try await data.openLedger()
            defer { store.close() }
            let token = try await userFacing { try await store.accounts.revokeToken(id: id, by: .commandLine) }
            print("已撤销令牌 #\(token.id)（\(token.username)，\(token.name)）")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var data: DataOptions
        @Option var username: String?

        func run() async throws {
            let (store, _) = try await data.openLedger()
            defer { store.close() }
            for token in try await store.accounts.tokens(username: username) {
                let state = token.revokedAt.map { "已撤销 \($0)" } ?? "有效"
                print("#\(token.id)  \(TextTable.pad(token.username, 22))\(TextTable.pad(token.name, 16))\(token.createdAt)  \(state)")
            }
        }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The hash-chained audit trail: verify it, or show the history of a record.",
        subcommands: [Verify.self, Log.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every entry and link; exit 1 naming each broken entry.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let (store, _) = try await data.openLedger()
            defer { store.close() }
            let result = try await store.audit.verify()
            for problem in result.problems { print("✘ \(problem)") }
            print(
                result.isIntact
                    ? "审计记录完整：\(result.entries) 条，链首哈希 \(result.headHash)"
                    : "审计记录已被篡改：\(result.problems.count) 处问题（共 \(result.entries) 条）")
            if !result.isIntact { throw ExitCode.failure }
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Who changed what: entries of one record or entity, newest first.")
        @OptionGroup var data: DataOptions
        @Option(help: "unit, project, system, resource, waiver, funding, review, deregistration, account, api_token.") var entity: String?
        @Option(help: "The record's key (code, USCC, id).") var key: String?
        @Option var limit = 50

        func run() async throws {
            let (store, _) = try await data.openLedger()
            defer { store.close() }
            for entry in try await store.audit.entries(entity: entity, key: key, limit: limit) {
                let request = entry.requestId.map { " 请求 \($0)" } ?? ""
                print("#\(entry.seq) \(entry.at) \(entry.actor)（\(entry.role)）\(entry.action) \(entry.entity) \(entry.key)\(request)")
                for change in entry.changes.prefix(20) {
                    print("    \(change.field)：\(change.old ?? "（无）") → \(change.new ?? "（无）")")
                }
                if entry.changes.count > 20 { print("    …另有 \(entry.changes.count - 20) 项") }
            }
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the ledger to a new file while the server runs (SQLite online backup), and verify the copy.")
    @OptionGroup var data: DataOptions
    @Option(help: "The backup file to write (must not exist).") var to: String

    func run() async throws {
        let database = try data.openDatabase()
        let bar = ProgressBar()
        let audit = try await userFacing {
            try LedgerBackup.backup(database, to: to) { bar.show(done: Int64($0 * 1000), total: 1000, label: "备份") }
        }
        bar.finish()
        let chain = audit.isIntact ? "完整" : "有 \(audit.problems.count) 处问题"
        print("已备份到 \(to)：数据库检查通过，审计记录 \(audit.entries) 条\(chain)，链首哈希 \(audit.headHash)")
        if !audit.isIntact { throw ExitCode.failure }
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup in place of the ledger (stop the server first); the replaced ledger is kept beside it.")
    @OptionGroup var data: DataOptions
    @Option(help: "The backup file (ybz backup --to).") var from: String

    func run() async throws {
        try data.requireSQLite()
        let (kept, audit) = try await userFacing {
            try LedgerBackup.restore(from: from, into: URL(fileURLWithPath: data.data))
        }
        print(
            "已从 \(from) 恢复：审计记录 \(audit.entries) 条完整，链首哈希 \(audit.headHash)"
                + (kept.map { "；原账本保存为 \($0)" } ?? ""))
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite ledger into an empty PostgreSQL database, every table with its history and audit chain.")
    @Option(help: "The data folder of the SQLite ledger to copy (stop its servers first).") var from: String
    @Option(help: "The empty PostgreSQL database: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.") var to: String

    func run() async throws {
        let path = (from as NSString).appendingPathComponent(LedgerBackup.fileName)
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("找不到 SQLite 账本：\(path)") }
        let database = try await userFacing { try AppDatabase.open(path: path) }
        let (ledger, _) = try await DataOptions.parse(["--database", to]).openLedger()
        defer { ledger.close() }
        guard case .postgres(let store) = ledger.store else { throw ValidationError("--to 应为 postgres:// 地址") }
        let bar = ProgressBar()
        let report = try await userFacing {
            try await LedgerMigration.copy(from: database, to: store) { label, done, total in
                bar.show(done: Int64(done), total: Int64(total), label: label)
            }
        }
        bar.finish()
        for (label, rows) in report.tables where rows > 0 { print("  \(TextTable.pad(label, 14))\(rows) 行") }
        let chain = report.audit.isIntact ? "完整" : "有 \(report.audit.problems.count) 处问题"
        print("已迁移到 PostgreSQL：审计记录 \(report.audit.entries) 条\(chain)，链首哈希 \(report.audit.headHash)")
        if !report.audit.isIntact { throw ExitCode.failure }
    }
}
