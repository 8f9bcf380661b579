import AsyncHTTPClient
import Crypto
import Foundation
import LedgerCore
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sends one probe request; a thrown error is a transport error (no usable response).
public protocol ProbeTransport: Sendable {
    func get(_ url: String, headers: [(String, String)], timeoutMs: Double) async throws -> (ProbeResponse, ProbeAttempt)
    /// The set-up phases of a new connection to the host of `url`, and its TLS certificate.
    func inspectConnection(_ url: String, timeoutMs: Double) async -> ConnectionFacts
}

/// The transport on AsyncHTTPClient (SwiftNIO): pooled keep-alive connections, per-request deadlines.
public final class AsyncHTTPTransport: ProbeTransport {
    let client: HTTPClient
    /// Bodies above this size are cut (the snippet and the hash cover what was read).
    static let maxBody = 1 << 20

    /// `caFile`: PEM certificates trusted besides the system's, for platforms behind a government CA.
    public init(maxConnectionsPerHost: Int = 32, caFile: String? = nil) {
        var configuration = HTTPClient.Configuration()
        if let caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.file(caFile)]
            configuration.tlsConfiguration = tls
        }
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .enabled(limit: .ratio(20))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the connection pool.
    public func shutdown() async throws { try await client.shutdown() }

    public func inspectConnection(_ url: String, timeoutMs: Double) async -> ConnectionFacts {
        await ConnectionInspector.inspect(url, timeoutMs: timeoutMs)
    }

    public func get(_ url: String, headers: [(String, String)], timeoutMs: Double) async throws -> (ProbeResponse, ProbeAttempt) {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let started = Date()
        let clock = ContinuousClock.now
        let response = try await client.execute(request, timeout: .milliseconds(Int64(timeoutMs)))
        let firstByte = clock.duration(to: .now)
        let body = try await withDeadline(ms: timeoutMs - firstByte.milliseconds) {
            try await response.body.collect(upTo: Self.maxBody)
        }
        let total = clock.duration(to: .now).milliseconds
        let bytes = Array(body.readableBytesView)
        var headerMap: [String: String] = [:]
        for header in response.headers { headerMap[header.name.lowercased()] = header.value }
        let probeResponse = ProbeResponse(
            status: Int(response.status.code), headers: headerMap, body: bytes,
            elapsedMs: total, receivedAt: Date())
        var attempt = ProbeAttempt(number: 1, url: url, startedAt: started, totalMs: total)
        attempt.firstByteMs = firstByte.milliseconds
        attempt.status = probeResponse.status
        attempt.bodySHA256 = Hex.string(SHA256.hash(data: bytes))
        attempt.bodySnippet = String(decoding: bytes.prefix(512), as: UTF8.self)
        return (probeResponse, attempt)
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
