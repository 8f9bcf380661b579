import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import LedgerTestSupport
import Logging
import Services
import Testing

@Suite("CKAN action API (read)")
struct CKANTests {
    /// The seeded ledger with its resource published and a second one still a draft.
    static func ledger() async throws -> Ledger {
        let ledger = try await Fixtures.seededLedger()
        let stored = try await ledger.records.fetch(CatalogResource.self, key: "103003/000001")
        _ = try await ledger.records.transition(resourceID: stored.id, .submit, reason: nil, expectedVersion: nil, by: .commandLine)
        _ = try await ledger.records.transition(resourceID: stored.id, .approve, reason: nil, expectedVersion: nil, by: .commandLine)
        _ = try await ledger.records.create(Fixtures.resource(code: "103003/000002", name: "宗地草稿"), by: .commandLine)
        return ledger
    }

    /// Registers a resource of the seeded system shared without condition and publishes it.
    static func publishOpen(_ code: String, _ name: String, cycle: String = "每日", in ledger: Ledger) async throws {
        var open = Fixtures.resource(code: code, name: name)
        (open.shareType, open.shareCondition, open.updateCycle) = ("无条件共享", nil, cycle)
        let created = try await ledger.records.create(open, by: .commandLine)
        _ = try await ledger.records.transition(resourceID: created.id, .submit, reason: nil, expectedVersion: nil, by: .commandLine)
        _ = try await ledger.records.transition(resourceID: created.id, .approve, reason: nil, expectedVersion: nil, by: .commandLine)
    }

    static func result(_ buffer: ByteBuffer) throws -> JSONValue {
        let envelope = try json(JSONValue.self, buffer)
        #expect(envelope["success"] == .bool(true))
        #expect(envelope["help"]?.stringValue?.contains("/api/3/action/help_show?name=") == true)
        return try #require(envelope["result"])
    }

    @Test func listsShowsAndSearchesThePublishedCatalogInCKANsEnvelope() async throws {
        let ledger = try await Self.ledger()
        let app = testApp(ledger)
        let token = try await Fixtures.token(ledger, role: .finance)
        try await app.test(.live) { client in
            // CKAN clients send the bare key in Authorization.
            let headers: HTTPFields = [.authorization: token]
            let list = try await client.execute(uri: "/api/3/action/package_list", method: .get, headers: headers)
            #expect(try Self.result(list.body) == .array([.string("103003-000001")]))
            let show = try await client.execute(uri: "/api/3/action/package_show?id=103003-000001", method: .get, headers: headers)
            let package = try Self.result(show.body)
            #expect(package["title"] == .string("不动产登记信息"))
            #expect(package["organization"]?["title"] == .string("滕州市自然资源局"))
            #expect(package["extras"]?.arrayValue?.contains(.object(["key": .string("共享类型"), "value": .string("有条件共享")])) == true)
            // Complete records: when it was created, its page, and the address of its resource.
            let created = try #require(package["metadata_created"]?.stringValue)
            let modified = try #require(package["metadata_modified"]?.stringValue)
            #expect(!created.isEmpty && created <= modified && !created.hasSuffix("Z"))
            #expect(package["url"]?.stringValue?.hasSuffix("/dataset/103003-000001") == true)
            #expect(package["resources"]?[0]?["url"] == package["url"])
            let search = try await client.execute(
                uri: "/api/3/action/package_search", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"q": "不动产", "rows": 5, "fq": "organization:\#(Fixtures.uscc(1).lowercased())"}"#))
            let found = try Self.result(search.body)
            #expect(found["count"] == .int(1) && found["results"]?[0]?["name"] == .string("103003-000001"))
            let draft = try await client.execute(uri: "/api/3/action/package_search?q=%E5%AE%97%E5%9C%B0", method: .get, headers: headers)
            #expect(try Self.result(draft.body)["count"] == .int(0))  // drafts are not in the public catalog
            let orgs = try await client.execute(uri: "/api/3/action/organization_list?all_fields=true", method: .get, headers: headers)
            #expect(try Self.result(orgs.body)[0]?["title"] == .string("滕州市自然资源局"))
            let org = try await client.execute(
                uri: "/api/3/action/organization_show?id=\(Fixtures.uscc(1).lowercased())", method: .get, headers: headers)
            #expect(try Self.result(org.body)["package_count"] == .int(1))
            let status = try await client.execute(uri: "/api/3/action/status_show", method: .get, headers: headers)
            #expect(try Self.result(status.body)["ckan_version"] != nil)

            let missing = try await client.execute(uri: "/api/3/action/package_show?id=999999-000001", method: .get, headers: headers)
            let error = try json(JSONValue.self, missing.body)
            #expect(missing.status == .notFound && error["success"] == .bool(false) && error["error"]?["__type"] == .string("Not Found Error"))
            let anonymous = try await client.execute(uri: "/api/3/action/package_list", method: .get)
            #expect(anonymous.status == .unauthorized)
        }
    }

    /// The actions CKAN clients call besides the basic ones, `rows=0`, an unknown action in CKAN's error shape, and a
    /// 不予共享 dataset marked private (issue 17).
    @Test func answersTheOtherActionsClientsCall() async throws {
        let ledger = try await Self.ledger()
        var closed = Fixtures.resource(code: "103003/000003", name: "不动产查封信息")
        (closed.shareType, closed.shareCondition) = (CatalogResource.notShared, "涉及查封，依法不予共享")
        let stored = try await ledger.records.create(closed, by: .commandLine)
        _ = try await ledger.records.transition(resourceID: stored.id, .submit, reason: nil, expectedVersion: nil, by: .commandLine)
        _ = try await ledger.records.transition(resourceID: stored.id, .approve, reason: nil, expectedVersion: nil, by: .commandLine)
        let app = testApp(ledger)
        let token = try await Fixtures.token(ledger, role: .finance)
        try await app.test(.live) { client in
            let headers: HTTPFields = [.authorization: token]
            func call(_ uri: String) async throws -> JSONValue {
                try Self.result(try await client.execute(uri: "/api/3/action/" + uri, method: .get, headers: headers).body)
            }
            let counted = try await call("package_search?q=*:*&rows=0")
            #expect(counted["count"] == .int(2) && counted["results"] == .array([]))
            let packages = try #require(try await call("current_package_list_with_resources?limit=5").arrayValue)
            let byName = Dictionary(uniqueKeysWithValues: packages.compactMap { package in package["name"]?.stringValue.map { ($0, package) } })
            #expect(byName.keys.sorted() == ["103003-000001", "103003-000003"])
            #expect(byName["103003-000003"]?["private"] == .bool(true) && byName["103003-000001"]?["private"] == .bool(false))
            let resourceID = try #require(byName["103003-000001"]?["resources"]?[0]?["id"]?.stringValue)
            let escaped = try #require(resourceID.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            #expect(try await call("resource_show?id=\(escaped)")["package_id"] == .string("103003-000001"))
            let completed = try await call("package_autocomplete?q=%E6%9F%A5%E5%B0%81")
            #expect(
                completed
                    == .array([
                        .object([
                            "name": .string("103003-000003"), "title": .string("不动产查封信息"), "match_field": .string("title"),
                            "match_displayed": .string("不动产查封信息")
                        ])
                    ]))
            #expect(try await call("group_list") == .array([]))
            #expect(try await call("help_show?name=package_search").stringValue?.contains("rows") == true)
            for uri in ["help_show?name=no_such_action", "no_such_action", "resource_show?id=103003-000002-%E6%8E%A5%E5%8F%A3"] {
                let missing = try await client.execute(uri: "/api/3/action/" + uri, method: .get, headers: headers)
                let error = try json(JSONValue.self, missing.body)
                #expect(missing.status == .notFound && error["error"]?["__type"] == .string("Not Found Error"), "\(uri)")
            }
        }
    }

    /// `ybz serve --public-catalog`: anyone reads the published 无条件共享 datasets through the CKAN API and the DCAT
    /// documents without a key; a dataset shared on condition, the API and the pages still need one.
    @Test func aPublishedCatalogIsReadWithoutAKeyAndHoldsOnlyWhatIsSharedWithoutCondition() async throws {
        let ledger = try await Self.ledger()
        try await Self.publishOpen("103003/000003", "不动产登记公示信息", in: ledger)
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        let token = try await Fixtures.token(ledger, role: .finance)
        for published in [true, false] {
            let app = buildApplication(
                ledger: ledger, compliance: compliance, publicCatalog: published, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
            try await app.test(.live) { client in
                let list = try await client.execute(uri: "/api/3/action/package_list", method: .get)
                guard published else {
                    #expect(list.status == .unauthorized)
                    let catalog = try await client.execute(uri: "/catalog.jsonld", method: .get)
                    #expect(catalog.status == .seeOther && catalog.headers[.location] == "/login")
                    return
                }
                #expect(try Self.result(list.body) == .array([.string("103003-000003")]))
                let hidden = try await client.execute(uri: "/api/action/package_show?id=103003-000001", method: .get)
                let refusal = try json(JSONValue.self, hidden.body)
                #expect(hidden.status == .notFound && refusal["error"]?["__type"] == .string("Not Found Error"))
                let counted = try await client.execute(uri: "/api/3/action/package_search?q=*:*&rows=0", method: .get)
                #expect(try Self.result(counted.body)["count"] == .int(1))
                let other = try await client.execute(
                    uri: "/api/3/action/package_search?fq=access_rights:%E6%9C%89%E6%9D%A1%E4%BB%B6%E5%85%B1%E4%BA%AB", method: .get)
                #expect(try Self.result(other.body)["count"] == .int(0))
                let org = try await client.execute(uri: "/api/3/action/organization_show?id=\(Fixtures.uscc(1).lowercased())", method: .get)
                #expect(try Self.result(org.body)["package_count"] == .int(1))
                let catalog = try await client.execute(uri: "/catalog.jsonld", method: .get)
                let text = String(buffer: catalog.body)
                #expect(catalog.status == .ok && text.contains("不动产登记公示信息") && !text.contains("不动产登记信息\""))
                #expect(try await client.execute(uri: "/api/v1/systems", method: .get).status == .unauthorized)
                #expect(try await client.execute(uri: "/systems", method: .get).status == .seeOther)
                // With a key, every published dataset.
                let all = try await client.execute(uri: "/api/3/action/package_list", method: .get, headers: [.authorization: token])
                #expect(try Self.result(all.body) == .array([.string("103003-000001"), .string("103003-000003")]))
            }
        }
    }

    /// `sort` orders the listing; `q` takes Solr's forms; `facet.field` counts the filtered catalog by organization, tags
    /// (更新周期 and 资源格式), 共享类型 and 资源格式类型.
    @Test func searchSortsAndCountsFacets() async throws {
        let ledger = try await Self.ledger()
        let added = [("103003/000003", "宗地公示信息", "每月"), ("103003/000004", "房屋公示信息", "每日")]
        for (code, name, cycle) in added { try await Self.publishOpen(code, name, cycle: cycle, in: ledger) }
        let token = try await Fixtures.token(ledger, role: .finance)
        try await testApp(ledger).test(.live) { client in
            let headers: HTTPFields = [.authorization: token]
            func names(_ query: String) async throws -> [String] {
                let answer = try await client.execute(uri: "/api/3/action/package_search?q=*:*&\(query)", method: .get, headers: headers)
                return try Self.result(answer.body)["results"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            }
            // Titles in code point order (不 U+4E0D, 宗 U+5B97, 房 U+623F).
            #expect(try await names("sort=title_string%20asc") == ["103003-000001", "103003-000003", "103003-000004"])
            #expect(try await names("sort=title_string%20desc") == ["103003-000004", "103003-000003", "103003-000001"])
            #expect(try await names("sort=name%20desc") == ["103003-000004", "103003-000003", "103003-000001"])
            let newest = try await client.execute(
                uri: "/api/3/action/package_search?q=*:*&sort=metadata_modified%20desc", method: .get, headers: headers)
            let modified = try Self.result(newest.body)["results"]?.arrayValue?.compactMap { $0["metadata_modified"]?.stringValue } ?? []
            #expect(modified.count == 3 && modified == modified.sorted(by: >))
            // What changed in a span of time (how a harvester asks for what changed since its last run), and only the
            // fields asked for.
            func changed(_ span: String) async throws -> JSONValue {
                let answer = try await client.execute(
                    uri: "/api/3/action/package_search?fl=id,metadata_modified&fq=metadata_modified:" + span, method: .get, headers: headers)
                #expect(answer.status == .ok, "\(span)")
                return try Self.result(answer.body)
            }
            let since = try #require(modified.last)
            #expect(try await changed("%5B\(since)Z%20TO%20*%5D")["count"] == .int(3))
            #expect(try await changed("%7B\(try #require(modified.first))%20TO%20NOW%5D")["count"] == .int(0))
            #expect(try await changed("%5B2000-01-01%20TO%202001-01-01T00:00:00.5Z%5D")["count"] == .int(0))
            let brief = try #require(try await changed("%5B*%20TO%20*%5D")["results"]?[0]?.objectValue)
            #expect(Set(brief.keys) == ["id", "metadata_modified"])
            for broken in ["%5B2026-13-01%20TO%20*%5D", "%5Bsoon%20TO%20*%5D", "%5B2026-01-01%20*%5D"] {
                let answer = try await client.execute(
                    uri: "/api/3/action/package_search?fq=metadata_modified:" + broken, method: .get, headers: headers)
                #expect(answer.status == .conflict, "\(broken)")
            }
            let bad = try await client.execute(uri: "/api/3/action/package_search?sort=size%20asc", method: .get, headers: headers)
            let refusal = try json(JSONValue.self, bad.body)
            #expect(bad.status == .conflict && refusal["error"]?["__type"] == .string("Validation Error"))

            // Solr's forms in q: field:value terms and words, quoted, all of which hold.
            func count(_ query: String) async throws -> JSONValue? {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
                let answer = try await client.execute(uri: "/api/3/action/package_search?q=\(encoded)", method: .get, headers: headers)
                return try Self.result(answer.body)["count"]
            }
            #expect(try await count("tags:每日") == .int(2))
            #expect(try await count("tags:每日 AND access_rights:无条件共享") == .int(1))
            #expect(try await count("tags:\"每月\" organization:\(Fixtures.uscc(1).lowercased())") == .int(1))
            #expect(try await count("tags:每日 tags:每月") == .int(0))
            #expect(try await count("name:103003-000004") == .int(1))
            #expect(try await count("title:房屋 tags:每日") == .int(1))
            // OR between values of one field, in either form; negation; a 资源格式 as a tag; the 资源格式类型 as res_format.
            #expect(try await count("tags:每日 OR tags:每月") == .int(3))
            #expect(try await count("tags:(每日 OR 每月) -organization:\(Fixtures.uscc(1).lowercased())") == .int(0))
            #expect(try await count("-tags:每日") == .int(1))
            #expect(try await count("NOT tags:每日 AND !tags:每月") == .int(0))
            #expect(try await count("tags:数据库 -res_format:MySQL") == .int(0))
            #expect(try await count("res_format:MySQL tags:数据库") == .int(3))
            let refusals = [
                "tags:每日 OR access_rights:无条件共享", "房屋 OR 宗地", "-房屋", "title:房屋 -tags:每日", "size:3",
                "tags:(每日 AND 每月)"
            ]
            for refused in refusals {
                let encoded = refused.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? refused
                let answer = try await client.execute(uri: "/api/3/action/package_search?q=\(encoded)", method: .get, headers: headers)
                #expect(answer.status == .conflict, "q=\(refused)")
            }

            let faceted = try await client.execute(
                uri: "/api/3/action/package_search", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"q": "*:*", "rows": 0, "facet.field": ["organization", "tags", "access_rights", "res_format"]}"#))
            let result = try Self.result(faceted.body)
            #expect(result["facets"]?["tags"] == .object(["每日": .int(2), "每月": .int(1), "数据库": .int(3)]))
            #expect(result["facets"]?["access_rights"] == .object(["有条件共享": .int(1), "无条件共享": .int(2)]))
            let organization = result["search_facets"]?["organization"]?["items"]?[0]
            #expect(organization?["display_name"] == .string("滕州市自然资源局") && organization?["count"] == .int(3))
            #expect(result["facets"]?["res_format"] == .object(["MySQL": .int(3)]))
            let limited = try await client.execute(
                uri:
                    "/api/3/action/package_search?facet.field=%5B%22tags%22%5D&facet.limit=1&fq=access_rights:"
                    + "%E6%97%A0%E6%9D%A1%E4%BB%B6%E5%85%B1%E4%BA%AB",
                method: .get, headers: headers)
            #expect(try Self.result(limited.body)["facets"]?["tags"] == .object(["数据库": .int(2)]))
        }
    }

    /// tag_list, license_list and the activity lists from the audit trail, as CKAN clients read them.
    @Test func tagsLicencesAndActivities() async throws {
        let ledger = try await Self.ledger()
        try await Self.publishOpen("103003/000003", "不动产登记公示信息", in: ledger)
        let token = try await Fixtures.token(ledger, role: .finance)
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        let app = buildApplication(
            ledger: ledger, compliance: compliance, publicCatalog: true, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let headers: HTTPFields = [.authorization: token]
            func result(_ uri: String, _ headers: HTTPFields = [:]) async throws -> JSONValue {
                try Self.result(try await client.execute(uri: uri, method: .get, headers: headers).body)
            }
            #expect(try await result("/api/3/action/tag_list", headers) == .array([.string("数据库"), .string("每日")]))
            #expect(try await result("/api/3/action/license_list", headers)[0]?["id"] == .string("notspecified"))
            let activities = try await result("/api/3/action/package_activity_list?id=103003-000001", headers)
            let types = activities.arrayValue?.compactMap { $0["activity_type"]?.stringValue }
            #expect(types == ["changed package", "changed package", "new package"])  // approved, submitted, created
            #expect(activities[0]?["data"]?["action"] == .string("update") && activities[0]?["user_id"] != .string(""))
            let recent = try await result("/api/3/action/recently_changed_packages_activity_list?limit=10", headers).arrayValue ?? []
            #expect(recent.count == 6 && Set(recent.compactMap { $0["object_id"]?.stringValue }) == ["103003-000001", "103003-000003"])
            #expect(recent.first?["object_id"] == .string("103003-000003"))  // the newest change first
            // A reader without a key sees the changes of what is public, without who made them.
            let draft = try await client.execute(uri: "/api/3/action/package_activity_list?id=103003-000002", method: .get, headers: headers)
            #expect(draft.status == .notFound)
            let anonymous = try await result("/api/3/action/recently_changed_packages_activity_list").arrayValue ?? []
            #expect(anonymous.count == 3 && anonymous.allSatisfy { $0["object_id"] == .string("103003-000003") && $0["user_id"] == .string("") })
        }
    }

    /// A dataset's IRI resolves: JSON-LD or Turtle by `Accept`, else its page; without a key only on a public catalog
    /// and only for a dataset shared without condition.
    @Test func datasetIRIsResolveByContentNegotiation() async throws {
        let ledger = try await Self.ledger()
        try await Self.publishOpen("103003/000003", "不动产登记公示信息", in: ledger)
        let compliance = try ComplianceService(ledger: ledger, catalog: Fixtures.catalog)
        let token = try await Fixtures.token(ledger, role: .finance)
        let app = buildApplication(
            ledger: ledger, compliance: compliance, publicCatalog: true, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let jsonLD = try await client.execute(uri: "/dataset/103003-000003", method: .get, headers: [.accept: "application/ld+json"])
            let document = String(buffer: jsonLD.body)
            #expect(jsonLD.status == .ok && jsonLD.headers[.contentType] == "application/ld+json")
            #expect(document.contains("不动产登记公示信息") && document.contains("/dataset/103003-000003"))
            let turtle = try await client.execute(uri: "/dataset/103003-000003", method: .get, headers: [.accept: "text/turtle"])
            #expect(turtle.status == .ok && String(buffer: turtle.body).contains("dcat:Dataset"))
            let page = try await client.execute(uri: "/dataset/103003-000003", method: .get, headers: [.accept: "text/html"])
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("<h1>不动产登记公示信息</h1>") && html.contains("无条件共享"))
            let hidden = try await client.execute(uri: "/dataset/103003-000001", method: .get, headers: [.accept: "application/ld+json"])
            #expect(hidden.status == .notFound)
            let signedIn = try await client.execute(
                uri: "/dataset/103003-000001", method: .get, headers: [.accept: "text/html", .authorization: "Bearer \(token)"])
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/resources/103003%2F000001")
        }
    }
}
