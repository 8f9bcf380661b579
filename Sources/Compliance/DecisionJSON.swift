import LedgerCore

// The canonical JSON of a decision and of the parts of an input that a batch encodes for every system, written
// directly (`CanonicalJSONWritable`): keys in sorted order, `nil`s left out, as the synthesized `Encodable` writes them.

extension CheckID: CanonicalJSONWritable {}
extension CheckStatus: CanonicalJSONWritable {}
extension EligibilityStatus: CanonicalJSONWritable {}

extension FundingDecision: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.object { json in
            json.field("checks", checks)
            json.field("construction", construction)
            json.field("constructionFunds", constructionFunds)
            json.field("inputs", inputs)
            json.field("omCap", omCap)
            json.field("omCapBasis", omCapBasis)
            json.field("operations", operations)
            json.field("score", score)
            json.field("systemCode", systemCode)
            json.field("systemName", systemName)
            json.field("unitUSCC", unitUSCC)
        }
    }
}

extension Eligibility: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.object { json in
            json.field("blockers", blockers)
            json.field("status", status)
        }
    }
}

extension Blocker: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.object { json in
            json.field("article", article)
            json.field("check", check)
            json.field("reason", reason)
            json.field("status", status)
        }
    }
}

extension Score: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.object { json in
            json.field("applicableWeight", applicableWeight)
            json.field("conclusiveWeight", conclusiveWeight)
            json.field("coverageTenths", coverageTenths)
            json.field("passedWeight", passedWeight)
            json.field("tenths", tenths)
        }
    }
}

extension CheckResult: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.object { json in
            json.field("article", article)
            json.field("check", check)
            json.field("evidence", evidence)
            json.field("reason", reason)
            json.field("remediation", remediation)
            json.field("status", status)
            json.field("title", title)
            json.field("waiver", waiver)
        }
    }
}

extension Evidence: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.object { json in
            json.field("label", label)
            json.field("runId", runId)
            json.field("value", value)
            json.field("verdictId", verdictId)
        }
    }
}

extension Waiver: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.object { json in
            json.field("approver", approver)
            json.field("check", check)
            json.field("expiresOn", expiresOn)
            json.field("reason", reason)
            json.field("systemCode", systemCode)
        }
    }
}

extension EvaluationInputs: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.object { json in
            json.field("asOf", asOf)
            json.field("codeListsVersion", codeListsVersion)
            json.field("fiscalYear", fiscalYear)
            json.field("inputSha256", inputSha256)
            json.field("policySha256", policySha256)
            json.field("policyVersion", policyVersion)
            json.field("probeRunIds", probeRunIds)
        }
    }
}

extension ResourceFacts: CanonicalJSONWritable {
    public func write(to json: inout CanonicalWriter) {
        json.object { json in
            json.field("code", code)
            json.field("name", name)
            json.field("shareType", shareType)
            json.field("state", state)
        }
    }
}
