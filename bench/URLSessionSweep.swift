// The libcurl-backed URLSession side of bench/probe_sweep.py, compiled by that script (not part of the package).
// Reads lines "URL<TAB>header: value<TAB>..." and GETs them all with N in flight, reading every body.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

let arguments = CommandLine.arguments
let lines = try String(contentsOfFile: arguments[1], encoding: .utf8).split(separator: "\n")
let concurrency = Int(arguments[2]) ?? 256
let configuration = URLSessionConfiguration.ephemeral
configuration.httpMaximumConnectionsPerHost = concurrency
configuration.timeoutIntervalForRequest = 10
let session = URLSession(configuration: configuration)
let started = Date()
let ok = await withTaskGroup(of: Bool.self) { group in
    var iterator = lines.makeIterator()
    var inFlight = 0
    var succeeded = 0
    func add(_ line: Substring) {
        let parts = line.split(separator: "\t")
        var request = URLRequest(url: URL(string: String(parts[0]))!)
        for header in parts.dropFirst() {
            let pair = header.split(separator: ":", maxSplits: 1)
            request.setValue(pair[1].trimmingCharacters(in: .whitespaces), forHTTPHeaderField: String(pair[0]))
        }
        group.addTask {
            guard let (data, response) = try? await session.data(for: request) else { return false }
            return (response as? HTTPURLResponse)?.statusCode == 200 && !data.isEmpty
        }
    }
    while inFlight < concurrency, let line = iterator.next() { add(line); inFlight += 1 }
    for await result in group {
        if result { succeeded += 1 }
        if let line = iterator.next() { add(line) }
    }
    return succeeded
}
print("\(ok) \(Date().timeIntervalSince(started))")
