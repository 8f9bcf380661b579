import LedgerCore

/// CKAN's packages read as DCAT-US datasets: the answers of `package_search` and `package_show` (a harvest of a CKAN
/// site, or a saved answer given as a file) become a `data.json` the DCAT import maps.
public enum CKANPackage {
    /// The packages of a CKAN action answer (`{"success": true, "result": …}`): the results of a `package_search`,
    /// or the one package of a `package_show`; `nil` when `document` is not such an answer.
    public static func packages(in document: JSONValue) -> [JSONValue]? {
        guard document["success"] == .bool(true), let result = document["result"] else { return nil }
        if let results = result["results"]?.arrayValue { return results }
        return result["resources"]?.arrayValue != nil || result["num_resources"] != nil ? [result] : nil
    }

    /// A CKAN package as a DCAT-US dataset.
    public static func dataset(_ package: JSONValue) -> JSONValue {
        var dataset: [String: JSONValue] = [:]
        func copy(_ from: String, _ to: String) { if let text = package[from]?.stringValue, !text.isEmpty { dataset[to] = .string(text) } }
        copy("id", "identifier")
        copy("title", "title")
        copy("notes", "description")
        copy("url", "landingPage")
        copy("metadata_created", "issued")
        copy("metadata_modified", "modified")
        copy("version", "version")
        if let license = package["license_url"]?.stringValue ?? package["license_id"]?.stringValue { dataset["license"] = .string(license) }
        if let organization = package["organization"]?["title"]?.stringValue { dataset["publisher"] = .object(["name": .string(organization)]) }
        let tags = package["tags"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        if !tags.isEmpty { dataset["keyword"] = .array(tags.map(JSONValue.string)) }
        if let name = package["maintainer"]?.stringValue ?? package["author"]?.stringValue {
            var contact: [String: JSONValue] = ["fn": .string(name)]
            if let email = package["maintainer_email"]?.stringValue ?? package["author_email"]?.stringValue {
                contact["hasEmail"] = .string("mailto:\(email)")
            }
            dataset["contactPoint"] = .object(contact)
        }
        // What CKAN keeps in extras: DCAT's names (ckanext-dcat) and the Chinese names a Yibenzhang instance uses.
        for extra in package["extras"]?.arrayValue ?? [] {
            guard let key = extra["key"]?.stringValue, let value = extra["value"]?.stringValue, !value.isEmpty else { continue }
            switch key.lowercased() {
            case "frequency", "accrual_periodicity", "更新周期":
                dataset["accrualPeriodicity"] = .string(DCAT.isoCycle(value) ?? value)
            case "access_rights", "共享类型":
                dataset["accessLevel"] = .string(DCAT.accessLevel(value) ?? value)
            case "issued", "发布日期": dataset["issued"] = .string(value)
            case "temporal": dataset["temporal"] = .string(value)
            case "spatial", "spatial_text": dataset["spatial"] = .string(value)
            default: break
            }
        }
        dataset["distribution"] = .array(
            (package["resources"]?.arrayValue ?? []).map { resource in
                var distribution: [String: JSONValue] = [:]
                for (from, to) in [("name", "title"), ("url", "downloadURL"), ("format", "format"), ("mimetype", "mediaType")] {
                    if let text = resource[from]?.stringValue, !text.isEmpty { distribution[to] = .string(text) }
                }
                return .object(distribution)
            })
        return .object(dataset)
    }
}
