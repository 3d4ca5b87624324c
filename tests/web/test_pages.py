"""The public portal over HTTP, on a live server, on both databases: what is shown, what never
is, masking, filters, pagination, CSV, language and errors."""

from __future__ import annotations

import csv
import io
import re

import httpx
from tests.web.conftest import Portal
from tests.web.data import (
    COMPANY,
    HIDDEN,
    MANY,
    PERSON,
    PERSON_NAME,
    RED,
    REPRESENTATIVE,
)

from jointcredit.identifiers.mask import mask_resident_id
from jointcredit.web import CSP

FULL_NUMBERS = (PERSON, REPRESENTATIVE)


def _pages(portal: Portal) -> list[httpx.Response]:
    """Every page the public can reach here, and the CSV of each that has one."""
    paths = [
        "/",
        "/about",
        "/lists/red",
        "/lists/black",
        f"/subjects/{COMPANY}",
        f"/subjects/{RED}",
    ]
    paths += [f"/lists/black?offset={o}" for o in range(0, MANY + 2, 20)]
    paths += [p + ("&" if "?" in p else "?") + "format=csv" for p in paths if "lists" in p]
    paths += [f"/subjects/{COMPANY}?format=csv", "/search?q=测试", f"/search?q={COMPANY}"]
    paths += ["/?lang=en", "/lists/black?lang=en"]
    found = [portal.get(p, follow_redirects=True) for p in paths]
    # A person is reached by the full number, and then shown masked.
    found.append(portal.get(f"/subjects/{PERSON}"))
    found.append(portal.get(f"/subjects/{PERSON}?format=csv"))
    found.append(portal.get(f"/search?q={PERSON}", follow_redirects=True))
    return found


def test_a_person_s_full_number_and_name_never_appear(portal: Portal) -> None:
    for r in _pages(portal):
        assert r.status_code == 200, (r.url, r.status_code)
        for number in FULL_NUMBERS:
            assert number not in r.text, f"{number} in {r.url}"
        assert PERSON_NAME not in r.text, r.url
        assert "王测试" not in r.text, r.url
    page = portal.get(f"/subjects/{PERSON}").text
    assert mask_resident_id(PERSON) in page
    assert "测***" in page


def test_what_is_published_is_shown(portal: Portal) -> None:
    page = portal.get(f"/subjects/{COMPANY}").text
    assert COMPANY in page  # an organisation's code is public
    assert "北京测试1科技有限公司" in page
    assert "失信被执行人名单" in page and "最高人民法院" in page  # list, department
    assert "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条" in page  # legal basis
    assert "京东市监罚〔2024〕1号" in page  # the penalty inside its window
    assert "东市监许字〔2023〕第0001号" in page  # the licence
    assert "北京市东城区" in page  # the region from the code
    red = portal.get(f"/subjects/{RED}").text
    assert "纳税信用A级纳税人" in red or "A级" in red
    assert "广东省深圳市南山区" in red


def test_what_is_not_published_is_never_shown(portal: Portal) -> None:
    for code in HIDDEN:
        r = portal.get(f"/subjects/{code}")
        assert r.status_code == 404, code
        assert "text/html" in r.headers["content-type"]
    for r in _pages(portal):
        for code in HIDDEN:
            assert code not in r.text, f"{code} in {r.url}"
    for number in ("（2024）京0101执5号", "（2024）京0101执6号", "（2024）京0101执7号"):
        black = portal.get("/lists/black?limit=100").text
        assert number not in black


def test_black_list_pages_and_their_csv(portal: Portal) -> None:
    total = portal.filled.black_shown
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = portal.get(f"/lists/black?offset={offset}")
        assert page.status_code == 200
        assert f"共 {total} 条" in page.text
        numbers = re.findall(r'<td data-label="文书号">([^<]+)</td>', page.text)
        assert 0 < len(numbers) <= 20
        # The CSV of the page holds exactly the page's rows, in order.
        link = re.search(r'class="download" href="([^"]+)"', page.text)
        assert link is not None
        got = portal.get(f"/lists/black{link.group(1).replace('&amp;', '&')}")
        assert got.headers["content-type"].startswith("text/csv")
        assert got.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
        rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        assert rows[0][0] == "主体名称"
        assert [r[6] for r in rows[1:]] == numbers
        seen += numbers
        following = re.search(r'rel="next" href="\?[^"]*offset=(\d+)', page.text)
        offset = int(following.group(1)) if following else None
    assert len(seen) == len(set(seen)) == total  # no entry twice, none skipped


def test_filters(portal: Portal) -> None:
    red = portal.get("/lists/red").text
    assert RED in red and COMPANY not in red
    by_type = portal.get("/lists/black?list_type=judgment-defaulters").text
    assert f"共 {portal.filled.black_shown} 条" in by_type
    assert "共 0 条" in portal.get("/lists/black?list_type=consumption-restricted").text
    assert "共 0 条" in portal.get("/lists/black?department=SAT").text
    shenzhen = portal.get("/lists/red?region=440300").text  # a city: every district in it
    assert "共 1 条" in shenzhen and RED in shenzhen
    assert "共 0 条" in portal.get("/lists/red?region=11").text
    day = portal.filled.today
    recent = portal.get(f"/lists/black?from={day.replace(day.year - 1).isoformat()}").text
    # COMPANY and PERSON (60 days ago) and the MANY decided 100 … 144 days ago.
    assert f"共 {portal.filled.black_shown} 条" in recent
    narrow = portal.get(f"/lists/black?to={day.isoformat()}&from={day.isoformat()}").text
    assert "共 0 条" in narrow
    assert portal.get("/lists/black?from=2026-13-01").status_code == 422
    assert portal.get("/lists/black?list_type=a-grade-taxpayers").status_code == 422
    assert portal.get("/lists/black?region=1x").status_code == 422
    assert portal.get("/lists/purple").status_code == 404


def test_search_finds_organisations_and_a_person_only_by_full_number(portal: Portal) -> None:
    found = portal.get("/search", params={"q": "测试1科技"}).text
    assert f'href="/subjects/{COMPANY}"' in found
    assert '<p class="total" role="status">共 1 条</p>' in found
    # Two characters, anywhere in the name, counted as the list pages count.
    short = portal.get("/search", params={"q": "科技"}).text
    assert f'href="/subjects/{COMPANY}"' in short and "共 " in short and " 条" in short
    assert "测***" not in found  # persons are never found by name
    to_person = portal.get("/search", params={"q": PERSON})
    assert to_person.status_code == 303
    assert to_person.headers["location"] == f"/subjects/{PERSON}"
    nothing = portal.get("/search", params={"q": resident_id_unknown()})
    assert nothing.status_code == 200
    assert resident_id_unknown() not in nothing.text  # a typed number is not echoed
    assert mask_resident_id(resident_id_unknown()) in nothing.text


def resident_id_unknown() -> str:
    from tests.importing.rows import resident_id

    return resident_id(999, birth="19991231")


def test_language_switch_and_cookie(sqlite_portal: Portal) -> None:
    with httpx.Client(base_url=sqlite_portal.url) as client:
        zh = client.get("/")
        assert '<html lang="zh-CN">' in zh.text and "信用信息公示查询" in zh.text
        en = client.get("/lists/red?lang=en")
        assert '<html lang="en">' in en.text and "Red list" in en.text
        assert en.cookies.get("lang") == "en"
        later = client.get("/about")  # the cookie keeps English
        assert '<html lang="en">' in later.text
        back = client.get("/?lang=zh")
        assert '<html lang="zh-CN">' in back.text
        csv_en = client.get("/lists/red?format=csv&lang=en")
        assert csv_en.content.decode("utf-8-sig").startswith("Subject,")


def test_error_pages_are_html_in_the_reader_s_language(sqlite_portal: Portal) -> None:
    missing = sqlite_portal.get("/no/such/page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "未找到" in missing.text
    english = sqlite_portal.get("/subjects/91110101JC99999999?lang=en")
    assert english.status_code == 404 and "Not found" in english.text
    bad = sqlite_portal.get("/lists/black?offset=x")
    assert bad.status_code == 422 and "输入有误" in bad.text
    # The API keeps its JSON errors and its 405.
    api = sqlite_portal.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not-found"
    assert sqlite_portal.http.post("/api/v1/health").status_code == 405
    assert sqlite_portal.get("/api/v1/docs").status_code == 200


def test_headers_gzip_and_static_files(sqlite_portal: Portal) -> None:
    page = sqlite_portal.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["content-encoding"] == "gzip"
    assert "<script" not in page.text  # the portal needs no JavaScript
    css_url = re.search(r'href="(/static/site\.css\?v=\w+)"', page.text)
    assert css_url is not None
    css = sqlite_portal.get(css_url.group(1))
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "immutable" in css.headers["cache-control"]
    again = sqlite_portal.get(css_url.group(1), headers={"If-None-Match": css.headers["etag"]})
    assert again.status_code == 304
    assert sqlite_portal.get("/static/nope.js").status_code == 404
    # The API's answers are not touched.
    assert "content-security-policy" not in sqlite_portal.get("/api/v1/health").headers


def test_every_page_has_labels_and_landmarks(sqlite_portal: Portal) -> None:
    for path in ("/", "/search?q=测试", "/lists/red", "/lists/black", f"/subjects/{COMPANY}"):
        html = sqlite_portal.get(path).text
        assert '<a class="skip" href="#main">' in html
        assert '<main id="main"' in html and "<nav" in html and "<h1" in html
        ids = set(re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html))
        labelled = set(re.findall(r'<label for="([^"]+)"', html))
        assert ids <= labelled, (path, ids - labelled)
