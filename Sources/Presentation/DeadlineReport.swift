import Compliance
import LedgerCore

/// The deadline list as CSV for Excel (UTF-8 with BOM).
public enum DeadlineReport {
    public static func csv(_ deadlines: [Deadline]) -> String {
        CSVLine.document(
            [
                [
                    "状态", "事项", "依据", "建设单位代码", "项目编号", "系统编号", "起算事件", "起算日期",
                    "最早日期", "截止日期", "完成日期", "剩余天数", "说明"
                ]
            ]
                + deadlines.map { d in
                    [
                        d.status.label, d.title, ArticleText.chinese(d.article), d.unitUSCC, d.projectCode ?? "", d.systemCode ?? "", d.trigger,
                        d.triggeredOn.description, d.opensOn?.description ?? "", d.dueOn?.description ?? "",
                        d.doneOn?.description ?? "", d.daysLeft.map(String.init) ?? "", d.note ?? ""
                    ]
                })
    }
}
