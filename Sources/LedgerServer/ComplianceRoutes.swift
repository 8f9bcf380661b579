import Compliance
import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import Presentation
import Services
import Spreadsheet

/// The body of `POST /api/v1/funding`.
struct FundingRequest: Decodable {
    var year: Int
    var asOf: CivilDate?
    var system: String?
    /// Decide on the ledger as it stood then (`LedgerMoment`: a date or an instant), rebuilt from the audit trail.
    var ledgerAt: String?
}

/// The body of `POST /api/v1/systems/{code}/waivers`.
struct WaiverRequest: Decodable {
    var check: CheckID
    var reason: String
    var approver: String
    var expiresOn: CivilDate
}

/// The body of `POST /api/v1/systems/{code}/reviews`: probe first, and record the decision at once if given.
struct ReviewRequest: Decodable {
    var asOf: CivilDate?
    var probe: Bool?
    var decision: ReviewDecision?
}

/// The body of `POST /api/v1/systems/{code}/deregistrations`.
struct DeregistrationRequest: Decodable {
    var reason: DeregistrationReason
    var appliedOn: CivilDate?
    var plan: DeregistrationPlan
}

/// Routes for funding decisions, waivers, pre-acceptance reviews, deadlines and deregistration.
func addComplianceRoutes(
    to api: RouterGroup<LedgerContext>, compliance: ComplianceService, probes: ProbeService?,
    systems: EntityController<InfoSystem>
) {
    let ledger = compliance.ledger
    api.post("funding") { request, context in
        let actor = try context.require(.runFunding)
        let body = try JSON.decode(FundingRequest.self, from: try await JSON.body(of: request))
        let moment = try body.ledgerAt.map { text in
            guard let moment = LedgerMoment(text) else {
                throw LedgerError(
                    .badRequest,
                    "ledgerAt“\(text.prefix(40))”应为日期（YYYY-MM-DD，取当日结束时的账本）或带时区的时间"
                        + "（如 2026-10-31T18:00:00+08:00），年份在 2000–2100 之间")
            }
            return moment
        }
        let batch = try await compliance.funding(
            fiscalYear: body.year, asOf: body.asOf ?? CivilDate(Date()), systemCode: body.system, ledgerAt: moment,
            by: actor)
        return try JSON.response(try await decisionPage(batch.id, after: nil, limit: 500), status: .created)
    }
    /// A batch with one page of its decisions and the address of the next: a province's batch is 50,000 decisions.
    @Sendable func decisionPage(_ id: Int64, after: String?, limit: Int) async throws -> FundingBatch {
        var batch = try await ledger.evaluations.fundingBatchHeader(id: id)
        let (decisions, next) = try await compliance.decisionPage(ofBatch: id, after: after, limit: limit)
        batch.decisions = decisions
        batch.next = next.map { "/api/v1/funding/\(id)?limit=\(limit)&after=\(queryValue($0))" }
        return batch
    }
    api.get("funding") { request, _ in
        try JSON.response(
            try await ledger.evaluations.fundingBatches(
                page: PageRequest(
                    limit: try intParameter(request, "limit", default: 20),
                    offset: try intParameter(request, "offset", default: 0))))
    }
    api.get("funding/:batch") { request, context in
        let batch = try await ledger.evaluations.fundingBatchHeader(id: try id(context, "batch", "资金评估批次"))
        let name = "funding-\(batch.fiscalYear)-\(batch.id)"
        switch request.uri.formParameters.get("format") {
        case "csv":
            // Written as it is read, 500 systems at a time.
            let body = ResponseBody { writer in
                try await writer.write(ByteBuffer(string: CSVLine.byteOrderMark + CSVLine.encode(FundingReport.header)))
                try await compliance.forEachDecisionPage(ofBatch: batch.id) { page in
                    try await writer.write(ByteBuffer(string: page.map { CSVLine.encode(FundingReport.row(batch: batch.id, $0)) }.joined()))
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name).csv\""],
                body: body)
        case "xlsx":
            // A workbook is written whole: its rows are made a page of decisions at a time.
            var rows = [FundingReport.header]
            try await compliance.forEachDecisionPage(ofBatch: batch.id) { page in rows += page.map { FundingReport.row(batch: batch.id, $0) } }
            let sheet = Sheet(name: "资金评估 #\(batch.id)", rows: rows, numericColumns: FundingReport.numberColumns)
            return download(try XLSXWriter.data(Workbook(sheets: [sheet])), type: XLSXWriter.contentType, name: "\(name).xlsx")
        default:
            let limit = try intParameter(request, "limit", default: 500)
            guard (1...1_000).contains(limit) else { throw LedgerError(.badRequest, "limit 应在 1 到 1000 之间") }
            let after = request.uri.queryParameters.get("after").map { String($0.prefix(64)) }
            return try JSON.response(try await decisionPage(batch.id, after: after, limit: limit))
        }
    }
    api.post("funding/:batch/replay") { _, context in
        try context.require(.runFunding)
        return try JSON.response(try await compliance.replay(batch: try id(context, "batch", "资金评估批次")))
    }
    api.get("systems/:id/waivers") { _, context in
        try JSON.response(try await ledger.evaluations.waivers(systemCode: try await systems.find(context).record.code))
    }
    api.post("systems/:id/waivers") { request, context in
        let actor = try context.require(.manageWaivers)
        let code = try await systems.find(context).record.code
        let body = try JSON.decode(WaiverRequest.self, from: try await JSON.body(of: request))
        let waiver = Waiver(systemCode: code, check: body.check, reason: body.reason, approver: body.approver, expiresOn: body.expiresOn)
        return try JSON.response(try await ledger.evaluations.addWaiver(waiver, by: actor), status: .created)
    }
    api.post("systems/:id/reviews") { request, context in
        let actor = try context.require(.recordReviews)
        let code = try await systems.find(context).record.code
        let data = try await request.body.collect(upTo: 1 << 20)
        let body = data.readableBytes == 0 ? ReviewRequest() : try JSON.decode(ReviewRequest.self, from: Data(data.readableBytesView))
        let asOf = body.asOf ?? CivilDate(Date())
        if body.probe == true {
            guard let probes else { throw LedgerError(.conflict, "本服务未配置平台探测（connectors/ 未加载），无法先行探测") }
            _ = try await probes.run(systemCode: code, asOf: asOf, trigger: "review")
        }
        return try JSON.response(try await compliance.review(systemCode: code, asOf: asOf, decision: body.decision, by: actor), status: .created)
    }
    api.get("systems/:id/reviews") { _, context in
        try JSON.response(try await ledger.evaluations.reviews(systemCode: try await systems.find(context).record.code))
    }
    api.get("reviews/:review") { request, context in
        let stored = try await ledger.evaluations.review(id: try id(context, "review", "验收前置审查"))
        guard request.uri.formParameters.get("format") == "html" else { return try JSON.response(stored) }
        return download(ReviewPage.html(stored.report, id: stored.id), type: "text/html; charset=utf-8", name: nil)
    }
    api.post("reviews/:review/decision") { request, context in
        let actor = try context.require(.recordReviews)
        let decision = try JSON.decode(ReviewDecision.self, from: try await JSON.body(of: request))
        return try JSON.response(
            try await ledger.evaluations.decideReview(
                id: try id(context, "review", "验收前置审查"), decision: decision,
                by: actor))
    }
    api.get("deadlines") { request, _ in
        let query = request.uri.formParameters
        let asOf = try asOfParameter(request)
        var deadlines = try await ledger.deregistrations.deadlines(calendar: compliance.calendar, asOf: asOf)
        if query.get("overdue") == "true" { deadlines = deadlines.filter { $0.status.needsAttention } }
        if query.get("format") == "csv" {
            return download(DeadlineReport.csv(deadlines), type: "text/csv; charset=utf-8", name: "deadlines-\(asOf).csv")
        }
        return try JSON.response(deadlines)
    }
    api.post("systems/:id/deregistrations") { request, context in
        let system = try await systems.find(context).record
        let actor = try context.require(.applyDeregistration(unit: system.unitUSCC))
        let code = system.code
        let body = try JSON.decode(DeregistrationRequest.self, from: try await JSON.body(of: request))
        return try JSON.response(
            try await ledger.deregistrations.apply(
                systemCode: code, reason: body.reason,
                appliedOn: body.appliedOn ?? CivilDate(Date()), plan: body.plan,
                by: actor),
            status: .created)
    }
    api.get("deregistration-candidates") { request, _ in
        try JSON.response(try await compliance.deregistrationCandidates(asOf: try asOfParameter(request)))
    }
    api.get("deregistrations") { request, _ in
        try JSON.response(try await ledger.deregistrations.applications(systemCode: request.uri.formParameters.get("system")))
    }
    api.post("deregistrations/:application/review") { request, context in
        let actor = try context.require(.reviewDeregistration)
        let review = try JSON.decode(DeregistrationReview.self, from: try await JSON.body(of: request))
        return try JSON.response(
            try await ledger.deregistrations.review(
                id: try id(context, "application", "注销申请"), review: review,
                by: actor))
    }
}

/// The `asOf` query parameter (YYYY-MM-DD), today in China when absent.
private func asOfParameter(_ request: Request) throws -> CivilDate {
    guard let text = request.uri.formParameters.get("asOf") else { return CivilDate(Date()) }
    guard let day = CivilDate(text) else {
        throw LedgerError(
            .badRequest, "参数asOf应为 YYYY-MM-DD",
            details: [ValidationIssue(field: "asOf", value: text, rule: "query.date", message: "应为 YYYY-MM-DD")])
    }
    return day
}

/// A numeric path parameter, or a 400 naming what it identifies.
private func id(_ context: LedgerContext, _ name: String, _ label: String) throws -> Int64 {
    guard let value = Int64(try context.parameters.require(name)) else { throw LedgerError(.badRequest, "\(label)编号应为整数") }
    return value
}
