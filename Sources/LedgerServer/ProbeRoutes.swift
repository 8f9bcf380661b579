import Connectors
import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Services

/// The body of `POST /api/v1/probe-runs`.
struct ProbeRunRequest: Decodable {
    var system: String?
    var platforms: [Platform]?
    var asOf: CivilDate?
}

/// A run with its verdicts.
struct ProbeRunDetail: Encodable {
    var run: ProbeRunRecord
    var canaries: [StoredVerdict]
    var verdicts: [StoredVerdict]
}

/// Routes for probe runs, verdict history and integration status.
func addProbeRoutes(
    to api: RouterGroup<LedgerContext>, ledger: Ledger, probes: ProbeService?,
    systems: EntityController<InfoSystem>
) {
    api.post("probe-runs") { request, context in
        try context.require(.runProbes)
        guard let probes else { throw LedgerError(.conflict, "本服务未配置平台探测（connectors/ 未加载）") }
        let buffer = try await request.body.collect(upTo: 1 << 20)
        let body = buffer.readableBytes == 0 ? ProbeRunRequest() : try JSON.decode(ProbeRunRequest.self, from: Data(buffer.readableBytesView))
        let (id, _) = try await probes.run(systemCode: body.system, platforms: body.platforms.map(Set.init), asOf: body.asOf, trigger: "api")
        let (run, verdicts) = try await ledger.probeHistory.run(id: id)
        return try JSON.response(detail(run, verdicts), status: .created)
    }
    api.get("probe-runs") { request, _ in
        try JSON.response(
            try await ledger.probeHistory.runs(
                page: PageRequest(
                    limit: try intParameter(request, "limit", default: 20),
                    offset: try intParameter(request, "offset", default: 0))))
    }
    api.get("probe-runs/:id") { _, context in
        guard let id = Int64(try context.parameters.require("id")) else { throw LedgerError(.badRequest, "探测批次编号应为整数") }
        let (run, verdicts) = try await ledger.probeHistory.run(id: id)
        return try JSON.response(detail(run, verdicts))
    }
    api.get("systems/:id/verdicts") { request, context in
        let code = try await systems.find(context).record.code
        let platformText = request.uri.formParameters.get("platform")
        let platform = try platformText.map { text in
            guard let platform = Platform(rawValue: text) else {
                throw LedgerError(.badRequest, "参数platform应为 \(Platform.allCases.map(\.rawValue).joined(separator: "、"))")
            }
            return platform
        }
        return try JSON.response(
            try await ledger.probeHistory.verdicts(
                systemCode: code, platform: platform,
                limit: try intParameter(request, "limit", default: 200)))
    }
    api.get("systems/:id/integrations") { _, context in
        try JSON.response(try await ledger.probeHistory.integrations(systemCode: try await systems.find(context).record.code))
    }
}

private func detail(_ run: ProbeRunRecord, _ verdicts: [StoredVerdict]) -> ProbeRunDetail {
    ProbeRunDetail(
        run: run, canaries: verdicts.filter { $0.verdict.systemCode == "-" },
        verdicts: verdicts.filter { $0.verdict.systemCode != "-" })
}
