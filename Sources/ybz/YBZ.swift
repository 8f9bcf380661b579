import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore
import NIOCore

/// `ybz`: the 一本账 server and command line.
@main
struct YBZ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ybz",
        abstract: "一本账 Yibenzhang: digital resource ledger and data resource catalogs (滕政办发〔2025〕8号).",
        subcommands: [
            Serve.self, Import.self, Validate.self, Export.self, Probe.self, Simulate.self, Funding.self, Waive.self, Review.self,
            DeadlinesCommand.self, Deregister.self, Harvest.self, User.self, Token.self, Audit.self, Backup.self, Restore.self,
            Migrate.self
        ]
    )

    /// Runs the command; an error of the product, the file system, the database or the network is printed in Chinese.
    static func main() async {
        let command: any ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = command
                try command.run()
            }
        } catch let error
            where error is ExitCode || error is CleanExit || error is ValidationError
            || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
        {
            // `--help` of a command surfaces here as the argument parser's own error: it prints the help.
            exit(withError: error)
        } catch let refusal as Refusal {
            FileHandle.standardError.write(Data("错误：\(refusal.message)\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            FileHandle.standardError.write(Data("错误：\(UserMessage.text(for: error))\n".utf8))
            Foundation.exit(1)
        }
    }
}

/// The words a person reads for an error that did not come from the product itself.
enum UserMessage {
    static func text(for error: any Error) -> String {
        if let error = error as? LedgerError { return error.description }
        if let stored = LedgerError.fromStore(error) { return stored.message }
        if let error = error as? CocoaError {
            let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? error.userInfo[NSURLErrorKey].map { "\($0)" } ?? ""
            switch error.code {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "文件不存在：\(path)"
            case .fileReadNoPermission, .fileWriteNoPermission: return "没有读写权限：\(path)"
            case .fileWriteOutOfSpace: return "磁盘已满，未能写入：\(path)"
            case .fileReadCorruptFile, .fileReadInapplicableStringEncoding: return "文件内容无法读取：\(path)"
            default: return "文件操作失败（代码\(error.code.rawValue)）：\(path)"
            }
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE: return "端口已被占用：请先停止占用该端口的程序，或用 --port 换一个端口"
            case EACCES: return "没有权限（端口小于1024需要管理员权限，或文件不可访问）"
            case EADDRNOTAVAIL: return "本机没有这个地址，请检查 --host"
            default: return "系统调用失败（errno \(error.errnoCode)）"
            }
        }
        return "操作未完成：\(error)"
    }
}
