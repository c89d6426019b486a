"""The console in headless Chromium (Playwright), driven as its users would.

Called by browser.rs with a JSON scenario: the console's base URL, the browser, login codes,
the hazard to work on, where to write screenshots. Prints one line per check and
`ALL CHECKS PASSED` at the end; exits non-zero at the first failure.
"""
import csv
import io
import json
import os
import sys
import zipfile

from playwright.sync_api import sync_playwright

cfg = json.loads(sys.argv[1])
B = cfg["base"]
SHOTS = cfg["shots"]
os.makedirs(SHOTS, exist_ok=True)
os.makedirs(cfg["downloads"], exist_ok=True)


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def shot(page, name):
    for label, (w, h) in [("desktop", (1280, 900)), ("phone", (390, 844))]:
        page.set_viewport_size({"width": w, "height": h})
        page.screenshot(path=f"{SHOTS}/{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def labelled(page, where):
    missing = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
             .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label'))
             .map(e => e.name || e.id)"""
    )
    check(missing == [], f"every input on {where} has a label (unlabelled: {missing})")


def sign_in(browser, who, cookie=None):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    if cookie:
        ctx.add_cookies([{"name": "hl_session", "value": cookie, "url": B + "/console"}])
    page = ctx.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(B + "/console/login")
    page.get_by_label("一次性登录码").fill(cfg["codes"][who])
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return ctx, page, dialogs


def submit(page, form_id):
    with page.expect_navigation():
        page.locator(f"#{form_id} button[type=submit]").click()


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=cfg["browser"], args=["--no-sandbox"])

    # The sign-in page, before anyone signs in; pages need a session.
    ctx0 = browser.new_context()
    page0 = ctx0.new_page()
    page0.goto(B + "/console/ledger")
    check(page0.url.endswith("/console/login"), "an unsigned visitor is sent to the sign-in page")
    labelled(page0, "the sign-in page")
    shot(page0, "login")

    # Session fixation: a cookie planted before sign-in is never the session.
    ctx, officer, dialogs = sign_in(browser, "officer", cookie="attacker-chosen-id")
    check(officer.url.endswith("/console/ledger"), "the safety officer signs in with a one-time code")
    session = [c for c in ctx.cookies() if c["name"] == "hl_session" and c["path"] == "/console"][0]
    check(session["value"] != "attacker-chosen-id", "sign-in makes a new session id, never the planted one")
    check(session["httpOnly"] and session["sameSite"] == "Strict", "the session cookie is HttpOnly and SameSite=Strict")
    fixed = browser.new_context()
    fixed.add_cookies([{"name": "hl_session", "value": "attacker-chosen-id", "url": B + "/console"}])
    fp = fixed.new_page()
    fp.goto(B + "/console/ledger")
    check(fp.url.endswith("/console/login"), "the planted id signs nobody in (no session fixation)")
    fixed.close()

    # A code works once.
    c1, p1, _ = sign_in(browser, "used")
    check(p1.url.endswith("/console/ledger"), "a fresh code signs in")
    c2, p2, _ = sign_in(browser, "used")
    check("登录码无效" in p2.content(), "the same code a second time is refused")
    c1.close(); c2.close()

    # The ledger: a hazard titled <script> is shown as text and runs nothing.
    check(officer.get_by_text("<script>alert(1)</script>").count() >= 1, "a <script> title is shown as text")
    check(dialogs == [], "the <script> title runs nothing")
    labelled(officer, "the ledger")
    shot(officer, "ledger")

    # Find the hazard by its number.
    officer.get_by_label("按编号查找").fill(cfg["hazard"])
    with officer.expect_navigation():
        officer.get_by_role("button", name="查找").click()
    check(officer.locator("#number").inner_text() == cfg["hazard"], f"found hazard {cfg['hazard']} by its number")

    # Register, assigning the worker, then report.
    form = officer.locator("#form-register")
    form.get_by_label("风险颜色").select_option("yellow")
    form.get_by_label("责任人").select_option(label=cfg["worker_name"])
    submit(officer, "form-register")
    check(officer.locator("#refusal").count() == 0, "registered")
    check(officer.locator("#form-report").count() == 1, "the report form follows registration")
    submit(officer, "form-report")
    check(officer.locator("#refusal").count() == 0, "reported")
    labelled(officer, "the hazard page")

    # The worker starts treatment and completes it with a photo.
    wctx, worker, _ = sign_in(browser, "worker")
    worker.goto(f"{B}/console/hazards/{cfg['hazard']}")
    f = worker.locator("#form-start_treatment")
    check(f.count() == 1, "the assignee may start treatment")
    f.get_by_label("整改负责人").select_option(label=cfg["worker_name"])
    f.get_by_label("整改措施").fill("更换松动螺栓并加固扶手")
    f.get_by_label("整改期限").fill("2026-12-11")
    f.get_by_label("应急预案").fill("整改期间设置警示标识，安排专人值守")
    submit(worker, "form-start_treatment")
    check(worker.locator("#refusal").count() == 0, "treatment started")
    f = worker.locator("#form-complete")
    f.get_by_label("整改情况").fill("螺栓已全部更换，扶手牢固")
    f.get_by_label("整改照片").set_input_files(cfg["photo"])
    submit(worker, "form-complete")
    check(worker.locator("#refusal").count() == 0, "completed with a photo")
    check(worker.locator("#form-pass").count() == 0, "the rectifier is offered no acceptance form")

    # The rectifier tries to accept anyway: the engine refuses and names the rule.
    with worker.expect_navigation():
        worker.evaluate(
            """() => { const f = document.createElement('form'); f.method = 'post';
                 f.action = location.pathname + '/pass';
                 const add = (k, v) => { const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); };
                 add('csrf', document.querySelector('input[name=csrf]').value); add('note', '');
                 document.body.appendChild(f); f.submit(); }"""
        )
    refusal = worker.locator("#refusal")
    check(refusal.count() == 1, f"the rectifier's acceptance is refused: {refusal.inner_text() if refusal.count() else ''}")
    shot(worker, "hazard-refused")

    # A stale form: the inspector's page is older than the officer's comment.
    ictx, inspector, _ = sign_in(browser, "inspector")
    inspector.goto(f"{B}/console/hazards/{cfg['hazard']}")
    check(inspector.locator("#form-pass").count() == 1, "the inspector is offered the acceptance form")
    officer.goto(f"{B}/console/hazards/{cfg['hazard']}")
    officer.locator("#form-comment").get_by_label("备注").fill("请尽快验收")
    submit(officer, "form-comment")
    submit(inspector, "form-pass")
    check(inspector.locator("#stale").count() == 1, "a form made before someone else acted is refused as stale")
    shot(inspector, "hazard-stale")

    # Accept by keyboard alone.
    inspector.goto(f"{B}/console/hazards/{cfg['hazard']}")
    for _ in range(200):
        inspector.keyboard.press("Tab")
        if inspector.evaluate("document.activeElement && document.activeElement.id") == "pass-note":
            break
    check(inspector.evaluate("document.activeElement.id") == "pass-note", "the acceptance note is reachable by Tab")
    inspector.keyboard.type("验收合格")
    inspector.keyboard.press("Tab")
    check(inspector.evaluate("document.activeElement.tagName") == "BUTTON", "Tab moves on to the acceptance button")
    with inspector.expect_navigation():
        inspector.keyboard.press("Enter")
    check(inspector.locator("#form-pass").count() == 0 and inspector.locator("#refusal").count() == 0, "accepted by keyboard alone")
    check("验收" in inspector.locator("#timeline").inner_text(), "the timeline shows the acceptance")
    shot(inspector, "hazard")

    # CSRF: a form without the session's token is refused, whoever sends it.
    status = officer.evaluate(
        f"""async () => (await fetch('/console/hazards/{cfg['hazard']}/comment', {{method: 'POST',
             headers: {{'content-type': 'application/x-www-form-urlencoded'}}, body: 'csrf=forged&text=x'}})).status"""
    )
    check(status == 403, f"a forged form is refused (HTTP {status})")

    # The ledger filter and its downloads carry exactly what is shown.
    officer.goto(B + "/console/ledger")
    officer.get_by_label("关键词").fill("楼梯")
    with officer.expect_navigation():
        officer.get_by_role("button", name="筛选").click()
    shown = officer.locator("#ledger tbody tr").count()
    total = int(officer.locator("#total").inner_text().split()[1])
    check(shown == total and total >= 1, f"the filter shows {total} rows")
    with officer.expect_download() as d:
        officer.locator("#download-csv").click()
    path = os.path.join(cfg["downloads"], "ledger.csv")
    d.value.save_as(path)
    text = open(path, encoding="utf-8-sig").read()
    rows = [r for r in csv.reader(io.StringIO(text)) if r]
    check(len(rows) - 1 == total, f"the CSV holds the {total} rows shown ({len(rows) - 1} read back)")
    check(all("楼梯" in ",".join(r) for r in rows[1:]), "every CSV row matches the filter")
    with officer.expect_download() as d:
        officer.locator("#download-xlsx").click()
    xpath = os.path.join(cfg["downloads"], "ledger.xlsx")
    d.value.save_as(xpath)
    with zipfile.ZipFile(xpath) as z:
        strings = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/") and n.endswith(".xml"))
    check("楼梯扶手松动" in strings, "the XLSX download holds the shown hazard")
    before = officer.evaluate("fetch('/console/ledger').then(r => r.text())")
    before_total = int(before.split('id="total">')[1].split()[1])

    # An inspection with a failed item raises a hazard.
    gctx, grid, _ = sign_in(browser, "grid")
    grid.goto(B + "/console/inspections")
    shot(grid, "inspections")
    links = grid.locator("#today a")
    check(links.count() == 1, "the grid member has one inspection today")
    with grid.expect_navigation():
        links.first.click()
    labelled(grid, "the inspection form")
    grid.locator("input[type=radio][value=fail]").first.check()
    grid.locator("input[type=file]").first.set_input_files(cfg["photo"])
    shot(grid, "inspection")
    with grid.expect_navigation():
        grid.locator("#perform button[type=submit]").click()
    check(grid.locator("#refusal").count() == 0 and grid.locator("#done").count() == 1, "the inspection is completed with a failed item")
    after = officer.evaluate("fetch('/console/ledger').then(r => r.text())")
    after_total = int(after.split('id="total">')[1].split()[1])
    check(after_total == before_total + 1, f"the failed item is a new hazard in the ledger ({before_total} → {after_total})")

    # Another tenant's hazard is unreachable by URL, both ways.
    sctx, stranger, _ = sign_in(browser, "stranger")
    r = stranger.goto(f"{B}/console/hazards/{cfg['hazard_id']}")
    check(r.status == 404, f"another tenant's hazard is not found (HTTP {r.status})")
    r = officer.goto(f"{B}/console/hazards/{cfg['theirs_id']}")
    check(r.status == 404, f"and the other way round (HTTP {r.status})")

    # The other pages, in both sizes; the language switch; printing.
    for name, path in [("overdue", "/console/overdue"), ("stats", "/console/stats?from=2026-12-01&to=2026-12-31"), ("incidents", "/console/incidents")]:
        officer.goto(B + path)
        labelled(officer, name)
        shot(officer, name)
    officer.locator("#report-clocks").count()
    officer.locator("table a").first.click()
    officer.wait_for_load_state()
    check("电话报告" in officer.content(), "an incident shows its report clocks")
    shot(officer, "incident")
    officer.goto(B + "/console/ledger")
    with officer.expect_navigation():
        officer.get_by_role("link", name="English").click()
    check(officer.locator("nav").inner_text().startswith("Ledger"), "the console switches to English")
    shot(officer, "ledger-en")
    officer.emulate_media(media="print")
    check(not officer.locator("header.top").is_visible(), "printing hides the navigation")
    officer.pdf(path=f"{SHOTS}/ledger-print.pdf", format="A4", landscape=True)
    browser.close()

print("ALL CHECKS PASSED")
