"""Strings of the console's confidential-report pages: a reviewer's reports and the opening of a
reporter with the department's passphrase, a supervisor's list of openings."""

ZH: dict[str, str] = {
    "console.nav.reports": "举报处理",
    "console.nav.reports_text": "查看向本部门提交的举报；凭本部门口令查看举报人身份（留痕）。",
    "console.nav.openings": "举报人查看记录",
    "console.nav.openings_text": "查看本部门每一次查看举报人身份及被拒绝的尝试。",
    "reports.title": "举报处理",
    "reports.intro": "向本部门提交的举报，最新的在前。举报人身份已用本部门密钥加密，"
    "须输入本部门口令方可查看，每次查看均记入审计日志并由本部门监督人员查阅。",
    "reports.empty": "暂无举报。",
    "reports.name": "举报 {id}",
    "reports.field.subject": "被举报单位",
    "reports.field.category": "类别",
    "reports.field.received": "收到时间",
    "reports.field.description": "举报内容",
    "reports.field.passphrase": "本部门口令",
    "reports.open_button": "查看举报人",
    "reports.passphrase_hint": "口令只用于本次查看，不会被保存或记录。",
    "reports.refused": "口令不正确或未填写，未能查看举报人（此次尝试已记录）。",
    "reports.no_key": "本部门尚未创建举报人密钥，暂不能查看举报人。",
    "reports.broken": "该举报的加密数据无法解开（可能被篡改）。",
    "reports.reporter_title": "举报 {id} 的举报人",
    "reports.reporter_name": "姓名",
    "reports.reporter_contact": "联系方式",
    "reports.reporter_id_number": "证件号码",
    "reports.reporter_note": "此次查看已记入审计日志。请勿复制或转告举报人信息。",
    "reports.back": "返回举报列表",
    "reports.openings.title": "举报人查看记录",
    "reports.openings.intro": "本部门举报人身份的每一次查看和被拒绝的尝试，最新的在前。",
    "reports.openings.empty": "暂无查看记录。",
    "reports.openings.at": "时间",
    "reports.openings.report": "举报",
    "reports.openings.who": "查看人",
    "reports.openings.outcome": "结果",
    "reports.openings.opened": "已查看",
    "reports.openings.refused": "被拒绝：{why}",
}

EN: dict[str, str] = {
    "console.nav.reports": "Reports",
    "console.nav.reports_text": "Reports made to your department; open a reporter's identity "
    "with your department's passphrase (audited).",
    "console.nav.openings": "Reporter openings",
    "console.nav.openings_text": "Every opening of your department's reporters, and every "
    "refused attempt.",
    "reports.title": "Reports",
    "reports.intro": "Reports made to your department, newest first. Reporters' identities are "
    "sealed to your department's key: opening one takes your department's passphrase, and "
    "every opening is audited and shown to your department's supervisors.",
    "reports.empty": "No reports.",
    "reports.name": "Report {id}",
    "reports.field.subject": "Organisation reported",
    "reports.field.category": "Category",
    "reports.field.received": "Received",
    "reports.field.description": "What was reported",
    "reports.field.passphrase": "Department passphrase",
    "reports.open_button": "Open the reporter",
    "reports.passphrase_hint": "Used for this opening only; never stored or recorded.",
    "reports.refused": "The passphrase is missing or wrong: the reporter was not opened (the "
    "attempt is recorded).",
    "reports.no_key": "Your department has not created its reporter key yet: reporters cannot "
    "be opened.",
    "reports.broken": "This report's sealed data does not open (it may have been altered).",
    "reports.reporter_title": "The reporter of report {id}",
    "reports.reporter_name": "Name",
    "reports.reporter_contact": "Contact",
    "reports.reporter_id_number": "Identity number",
    "reports.reporter_note": "This opening is recorded in the audit log. Do not copy or pass on "
    "the reporter's details.",
    "reports.back": "Back to the reports",
    "reports.openings.title": "Reporter openings",
    "reports.openings.intro": "Every opening of your department's reporters and every refused "
    "attempt, newest first.",
    "reports.openings.empty": "No openings.",
    "reports.openings.at": "When",
    "reports.openings.report": "Report",
    "reports.openings.who": "Who",
    "reports.openings.outcome": "Outcome",
    "reports.openings.opened": "opened",
    "reports.openings.refused": "refused: {why}",
}
