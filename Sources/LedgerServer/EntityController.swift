import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// CRUD routes of one entity under `/api/v1/<path>`: list (filters, `q`, `code`, `limit`, `offset`), create,
/// read, replace (optimistic concurrency) and delete. `:id` is the natural key or the numeric row id.
struct EntityController<E: StoredEntity> {
    typealias Context = LedgerContext
    let ledger: Ledger
    let path: String

    func register(on group: RouterGroup<Context>) {
        group.get(RouterPath(path)) { request, _ in try await list(request, filters: [:]) }
        group.post(RouterPath(path)) { request, context in try await create(request, context, override: { $0 }) }
        group.get(RouterPath("\(path)/:id")) { _, context in try JSON.response(try await find(context)) }
        group.put(RouterPath("\(path)/:id")) { request, context in try await update(request, context) }
        group.delete(RouterPath("\(path)/:id")) { request, context in try await delete(request, context) }
    }

    /// The row named by the `:id` parameter: natural key first (percent-decoded), then numeric id.
    func find(_ context: Context) async throws -> Stored<E> {
        let raw = try context.parameters.require("id")
        let id = raw.removingPercentEncoding ?? raw  // resource codes hold "/", sent as %2F
        do {
            return try await ledger.records.fetch(E.self, key: id)
        } catch let error as LedgerError where error.kind == .notFound {
            guard let number = Int64(id) else { throw error }
            return try await ledger.records.fetch(E.self, id: number)
        }
    }

    func list(_ request: Request, filters fixed: [String: String]) async throws -> Response {
        let query = request.uri.formParameters
        var filters = fixed
        var nameContains: String?
        var code: String?
        for (name, value) in query {
            let (name, value) = (String(name), String(value))
            switch name {
            case "limit", "offset": continue
            case "q": nameContains = value
            case "code": code = value.isEmpty ? nil : value  // an empty code, as a form sends it, asks for no record
            default: filters[name] = value
            }
        }
        let page = PageRequest(
            limit: try intParameter(request, "limit", default: 50),
            offset: try intParameter(request, "offset", default: 0))
        if let code {
            let item = try await ledger.records.fetch(E.self, key: code)
            return try JSON.response(Page(items: [item], total: 1, limit: page.limit, offset: 0))
        }
        return try JSON.response(try await ledger.records.list(E.self, filters: filters, nameContains: nameContains, page: page))
    }

    /// The permission to create or delete a record: units are the admin's, the rest their unit's.
    func ownership(_ record: E) async throws -> Permission {
        E.self == GovUnit.self ? .manageUnits : .editLedger(unit: try await ownerUnit(of: record, ledger: ledger))
    }

    /// Creates a record from the body after `override` (which fixes fields the route implies).
    func create(_ request: Request, _ context: Context, override: (E) -> E) async throws -> Response {
        let record = override(try JSON.decode(E.self, from: try await JSON.body(of: request)))
        let actor = try context.require(try await ownership(record))
        let stored = try await ledger.records.create(record, by: actor)
        var response = try JSON.response(stored, status: .created)
        response.headers[.eTag] = "\"\(stored.version)\""
        response.headers[.location] = "/api/v1/\(path)/\(stored.id)"
        return response
    }

    func update(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await JSON.body(of: request)
        let current = try await find(context)
        let record = try JSON.decode(E.self, from: body)
        // The record's unit now and after the edit: a data officer can neither edit nor move another unit's records.
        try context.require(.editLedger(unit: try await ownerUnit(of: current.record, ledger: ledger)))
        let actor = try context.require(.editLedger(unit: try await ownerUnit(of: record, ledger: ledger)))
        let stored = try await ledger.records.update(
            E.self, id: current.id, with: record,
            expectedVersion: try expectedVersion(request, body: body), by: actor)
        var response = try JSON.response(stored)
        response.headers[.eTag] = "\"\(stored.version)\""
        return response
    }

    func delete(_ request: Request, _ context: Context) async throws -> Response {
        let current = try await find(context)
        let actor = try context.require(try await ownership(current.record))
        try await ledger.records.delete(E.self, id: current.id, expectedVersion: try expectedVersion(request, body: nil), by: actor)
        return Response(status: .noContent)
    }
}
