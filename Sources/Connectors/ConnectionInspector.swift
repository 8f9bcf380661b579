import Foundation
import LedgerCore
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import X509

/// Sets up one fresh connection to a platform and measures each phase: name resolution, TCP connect and, for
/// `https`, the TLS handshake with the certificate the server presents. Pooled probe requests cannot show
/// these phases, so a run inspects each platform once, next to its canary.
public enum ConnectionInspector {
    /// The facts of a new connection to the host of `url`; a failed phase is named in `error`.
    public static func inspect(_ url: String, timeoutMs: Double) async -> ConnectionFacts {
        guard let parsed = URL(string: url), let host = parsed.host, let scheme = parsed.scheme?.lowercased() else {
            var facts = ConnectionFacts(host: url, port: 0)
            facts.error = "url: 无法解析“\(url)”"
            return facts
        }
        let secure = scheme == "https"
        var facts = ConnectionFacts(host: host, port: parsed.port ?? (secure ? 443 : 80))
        let clock = ContinuousClock()
        var started = clock.now
        let addresses: [SocketAddress]
        do {
            addresses = try await withDeadline(ms: timeoutMs) { [facts] in
                try await NIOThreadPool.singleton.runIfActive { try resolve(facts.host, port: facts.port) }
            }
            facts.dnsMs = clock.now.milliseconds(since: started)
        } catch {
            facts.error = "dns: \(ProbeEngine.describe(error))"
            return facts
        }
        started = clock.now
        var reached: (any Channel)?
        var failures: [String] = []
        for address in addresses {
            do {
                reached = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.milliseconds(Int64(max(1, timeoutMs))))
                    .connect(to: address).get()
                facts.address = address.ipAddress
                break
            } catch {
                failures.append("\(address.ipAddress ?? "?")：\(ProbeEngine.describe(error))")
            }
        }
        guard let channel = reached else {
            facts.error = "connect: " + failures.joined(separator: "；")
            return facts
        }
        facts.connectMs = clock.now.milliseconds(since: started)
        defer { channel.close(promise: nil) }
        guard secure else { return facts }
        started = clock.now
        do {
            let certificate = try await withDeadline(ms: timeoutMs) { [facts] in
                try await handshake(channel, serverName: facts.host)
            }
            facts.tlsMs = clock.now.milliseconds(since: started)
            guard let certificate else { return facts }
            facts.tlsExpiresAt = Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter))
            // `try?`: a certificate whose names cannot be parsed still has the expiry read above.
            if let parsed = try? Certificate(derEncoded: certificate.toDERBytes()) {  // expiry was read
                facts.tlsSubject = parsed.subject.description
                facts.tlsIssuer = parsed.issuer.description
            }
        } catch {
            facts.error = "tls: \(ProbeEngine.describe(error))"
        }
        return facts
    }

    /// Every address of `host` (IPv6 and IPv4, in the resolver's order); blocking, so run off the event loops.
    static func resolve(_ host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0 else { throw ResolutionError(description: "\(host)：\(String(cString: gai_strerror(code)))") }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var next = list
        while let info = next?.pointee {
            switch info.ai_family {
            case AF_INET:
                addresses.append(info.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
            case AF_INET6:
                addresses.append(info.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
            default: break
            }
            next = info.ai_next
        }
        return addresses
    }

    /// Runs a TLS handshake on `channel` and returns the server's certificate. The certificate is not verified
    /// here: an expired or untrusted one must still be read so that its expiry can be reported.
    static func handshake(_ channel: any Channel, serverName: String) async throws -> NIOSSLCertificate? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        let context = try NIOSSLContext(configuration: configuration)
        let isAddress = (try? SocketAddress(ipAddress: serverName, port: 0)) != nil  // no address: a host name
        let completed = channel.eventLoop.makePromise(of: Void.self)
        try await channel.eventLoop.submit {
            let tls = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : serverName)
            try channel.pipeline.syncOperations.addHandlers([tls, HandshakeWatcher(completed: completed)])
        }.get()
        try await completed.futureResult.get()
        return try await channel.nioSSL_peerCertificate().get()
    }
}

/// Completes a promise when the TLS handshake is done, or fails it with the handshake's error.
private final class HandshakeWatcher: ChannelInboundHandler {
    typealias InboundIn = NIOAny
    let completed: EventLoopPromise<Void>
    var done = false

    init(completed: EventLoopPromise<Void>) { self.completed = completed }

    func finish(_ error: (any Error)?) {
        guard !done else { return }
        done = true
        if let error { completed.fail(error) } else { completed.succeed() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { finish(nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { finish(error) }

    func channelInactive(context: ChannelHandlerContext) {
        finish(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}

/// Runs `work`, or throws `ProbeTimeout` when it takes longer than `ms` milliseconds.
func withDeadline<T: Sendable>(ms: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(max(1, ms) * 1_000_000))
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let value = first else { throw ProbeTimeout() }
        return value
    }
}

/// A host name that does not resolve.
struct ResolutionError: Error, CustomStringConvertible {
    let description: String
}

/// A deadline passed before the work finished.
struct ProbeTimeout: Error, CustomStringConvertible {
    var description: String { "timeout" }
}

extension ContinuousClock.Instant {
    /// Milliseconds from `start` to this instant.
    func milliseconds(since start: ContinuousClock.Instant) -> Double { (self - start).milliseconds }
}
