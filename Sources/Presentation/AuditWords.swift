/// The audit trail's actions and entities in the words of the pages (`create resource` → 登记信息资源).
public enum AuditWords {
    /// The action in Chinese; an action not listed is shown as stored.
    public static func action(_ action: String) -> String {
        [
            "create": "登记", "update": "修改", "delete": "删除", "apply": "申请", "decide": "决定", "grant": "批准",
            "review": "审查", "revoke": "撤销", "disable": "停用", "enable": "启用"
        ][action] ?? action
    }

    /// The kind of record in Chinese; a kind not listed is shown as stored.
    public static func entity(_ entity: String) -> String {
        [
            "unit": "建设单位", "project": "项目", "system": "政务信息系统", "resource": "信息资源", "account": "账号",
            "api_token": "API令牌", "deregistration": "注销申请", "funding": "资金评估批次", "review": "验收前置审查",
            "waiver": "检查豁免"
        ][entity] ?? entity
    }
}
