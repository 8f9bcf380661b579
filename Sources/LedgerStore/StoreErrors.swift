import Foundation
import GRDB
import LedgerCore

extension LedgerError {
    /// What a user is told when the database itself refuses: a write that waited for another long write (an import)
    /// past the busy timeout is `.busy` (retry later), a full disk or a read-only file says so in Chinese. `nil` for
    /// errors that are not the database's.
    public static func fromStore(_ error: any Error) -> LedgerError? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return LedgerError(.busy, "账本正在写入另一批数据（如大批导入），请稍后重试")
        case .SQLITE_FULL:
            return LedgerError(.busy, "数据目录所在磁盘已满，本次写入未保存；请管理员清理磁盘后重试")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return LedgerError(.busy, "账本数据库当前不可写（文件只读或无法打开），本次写入未保存；请联系管理员")
        case .SQLITE_IOERR, .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return LedgerError(.busy, "读写账本数据库时出错（磁盘或文件损坏），本次操作未完成；请联系管理员")
        default:
            return nil
        }
    }
}
