import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerTestSupport
import Logging
import PlatformSimulator
import Testing
import X509

@testable import Connectors

/// A self-signed certificate for `localhost`, written as PEM files, valid for `days` from now.
struct TestCertificate {
    let certificateFile: String
    let keyFile: String
    let notValidAfter: Date

    init(days: Double) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("localhost") }
        let now = Date()
        notValidAfter = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + days * 86_400).rounded(.down))
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: notValidAfter, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                SubjectAlternativeNames([.dnsName("localhost")])
            },
            issuerPrivateKey: .init(key))
        let folder = try Fixtures.temporaryDirectory()
        certificateFile = folder.appendingPathComponent("cert.pem").path
        keyFile = folder.appendingPathComponent("key.pem").path
        try certificate.serializeAsPEM().pemString.write(toFile: certificateFile, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: keyFile, atomically: true, encoding: .utf8)
    }
}

@Suite("TLS: connection phases and certificate expiry", .serialized)
struct TLSTests {
    /// Runs the 爱山东 probes against the simulator served over HTTPS with `certificate`, trusting `caFile`, with a
    /// generous timeout: the handshake shares the cores with the rest of the suite (500 ms, and once 5 s, timed out on two
    /// busy cores); a handshake that ends does not wait for it.
    func run(_ certificate: TestCertificate, caFile: String?, timeoutMs: Double = 20_000) async throws -> ProbeRunResult {
        let tls = try PlatformSimulator.tlsConfiguration(certificateFile: certificate.certificateFile, keyFile: certificate.keyFile)
        let app = try PlatformSimulator(scenario: ProbeFixture.scenario, environment: [:])
            .buildApplication(host: "127.0.0.1", port: 0, tls: tls, logger: Logger(label: "simulator"))
        return try await app.test(.live) { client in
            var spec = try ProbeFixture.specs(port: client.port!, timeoutMs: timeoutMs).first { $0.platform == .aishandong }!
            spec.baseURL = "https://localhost:\(client.port!)/aishandong"
            spec.canaryConditions.append(try Condition("cert.expiresIn > 14d"))
            // The transport closes its pooled connections before the server stops, so the server need not wait.
            let transport = AsyncHTTPTransport(caFile: caFile)
            do {
                let result = try await ProbeFixture.run(port: client.port!, transport: transport, specs: [spec])
                try await transport.shutdown()
                return result
            } catch {
                try await transport.shutdown()
                throw error
            }
        }
    }

    @Test func aTrustedCertificateIsReadAndItsExpiryJudged() async throws {
        let certificate = try TestCertificate(days: 90)
        let run = try await run(certificate, caFile: certificate.certificateFile)
        let canary = try #require(run.canaries.first)
        #expect(canary.outcome == .pass)
        let connection = try #require(canary.attempts.first?.connection)
        #expect(connection == run.connections["aishandong"])
        #expect(connection.error == nil)
        #expect(connection.address == "127.0.0.1")
        #expect(connection.dnsMs != nil && connection.connectMs != nil && connection.tlsMs != nil)
        #expect(connection.tlsExpiresAt == certificate.notValidAfter)
        #expect(connection.tlsSubject?.contains("localhost") == true)
        #expect(canary.conditions.contains { $0.resolved.hasPrefix("cert.expiresIn (90d) > 14d") && $0.passed })
        let item = try #require(run.verdict(.aishandong, "S1", "I-OK"))
        #expect(item.outcome == .pass)
        #expect(item.attempts.allSatisfy { $0.tlsExpiresAt == certificate.notValidAfter })
    }

    @Test func aCertificateAboutToExpireFailsTheCondition() async throws {
        let certificate = try TestCertificate(days: 3)
        let run = try await run(certificate, caFile: certificate.certificateFile)
        let canary = try #require(run.canaries.first)
        #expect(canary.outcome == .fail)
        #expect(canary.reason.contains("cert.expiresIn (3d) > 14d"))
        #expect(run.verdict(.aishandong, "S1", "I-OK")?.skipReason == .platformUnavailable)
    }

    @Test func anUntrustedCertificateIsStillReadButNoVerdictIsDrawn() async throws {
        let certificate = try TestCertificate(days: 90)
        // The certificate is read from a handshake of the inspector's own, within the timeout; the canary's request
        // fails only at its deadline (AsyncHTTPClient tries a connection that failed again until then): 5 s, long
        // enough for the handshake on busy cores (500 ms timed out once beside the whole suite), short enough to wait.
        let run = try await run(certificate, caFile: nil, timeoutMs: 5_000)
        let canary = try #require(run.canaries.first)
        #expect(canary.outcome == .error)
        #expect(canary.reason.contains("TLS证书不受信任"))
        #expect(run.connections["aishandong"]?.tlsExpiresAt == certificate.notValidAfter)
        let item = try #require(run.verdict(.aishandong, "S1", "I-OK"))
        #expect(item.outcome == .skipped)
        #expect(item.notIntegrated == false)
    }

    @Test func plainHTTPAndRefusedConnectionsAreDescribed() async throws {
        let app = try PlatformSimulator(scenario: ProbeFixture.scenario, environment: [:])
            .buildApplication(host: "127.0.0.1", port: 0, logger: Logger(label: "simulator"))
        try await app.test(.live) { client in
            let plain = await ConnectionInspector.inspect("http://localhost:\(client.port!)/aishandong", timeoutMs: 1000)
            #expect(plain.error == nil)
            #expect(plain.address == "127.0.0.1")
            #expect(plain.connectMs != nil)
            #expect(plain.tlsMs == nil && plain.tlsExpiresAt == nil)
        }
        let refused = await ConnectionInspector.inspect("https://127.0.0.1:1/x", timeoutMs: 1000)
        #expect(refused.error?.hasPrefix("connect: ") == true)
        let unknown = await ConnectionInspector.inspect("https://no-such-host.invalid/x", timeoutMs: 3000)
        #expect(unknown.error?.hasPrefix("dns: ") == true)
    }
}
