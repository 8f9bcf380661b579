import Foundation
import LedgerCore
import Logging

/// Log lines as JSON objects, one per line (`ybz serve --log-format json`), for a log collector: `time` (ISO 8601 UTC,
/// milliseconds), `level`, `label`, `message`, `source`, the error when one is logged, and the metadata's values as
/// strings.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    /// Where lines go: standard error by default.
    let write: @Sendable (String) -> Void

    public init(label: String) {
        self.init(label: label) { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: JSONValue] = [
            "time": .string(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())),
            "level": .string(event.level.rawValue), "label": .string(label), "message": .string(event.message.description),
            "source": .string(event.source)
        ]
        if let error = event.error { fields["error"] = .string(String(describing: error)) }
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) where fields[key] == nil {
            fields[key] = .string(value.description)
        }
        write(JSONValue.object(fields).canonicalText + "\n")
    }
}
