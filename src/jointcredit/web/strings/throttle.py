"""Strings of the page that answers a sign-in form posted too often (429)."""

ZH: dict[str, str] = {
    "throttled.title": "尝试次数过多",
    "throttled.text": "从您所在网络提交的登录请求过于频繁。"
    "为保护账号安全，请在 {seconds} 秒后重试。",
    "throttled.back": "返回登录页面",
}

EN: dict[str, str] = {
    "throttled.title": "Too many attempts",
    "throttled.text": "Too many sign-in attempts came from your network. To keep accounts safe, "
    "please try again in {seconds} seconds.",
    "throttled.back": "Back to the sign-in page",
}
