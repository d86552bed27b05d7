using Microsoft.Playwright;
using PgMove.Tests.Infrastructure;
using PgMove.Tests.Migrations;

namespace PgMove.Tests.Server;

/// <summary>
/// The web panel end to end in headless Chromium (Debian's package, driven by Playwright without its own
/// browsers): checks with a failure and its fix, the Set Up Migration form, the banner reaching syncing,
/// the lag chart drawing, the PgBouncer switch offered and its refusal shown, Stop Migration and canceled. Takes a screenshot (kept in docs/panel.png when PGMOVE_UPDATE_SCREENSHOT=1).
/// </summary>
public sealed class PanelBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly Guid ClusterId = Guid.Parse("3f1e2d4c-8b7a-4c6d-9e0f-1a2b3c4d5e6f");
    private static readonly float Timeout = 90_000;

    [SkippableFact]
    public async Task Panel_SetUpSyncStop_InHeadlessChromium()
    {
        if (!File.Exists(Chromium))
        {
            if (PgInstallations.IsCi)
                throw new InvalidOperationException($"{Chromium} is missing; scripts/install-deps.sh installs Debian's chromium.");
            Skip.If(true, $"{Chromium} is missing (apt-get install chromium).");
        }
        await using var scenario = await RelayScenario.StartAsync();
        await scenario.Source.ExecuteAsync("CREATE DATABASE shop");
        await scenario.Source.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20000) g", "shop");
        await scenario.Source.ExecuteAsync("CREATE DATABASE billing");
        await scenario.Source.ExecuteAsync("CREATE TABLE invoices (id int PRIMARY KEY, amount numeric); INSERT INTO invoices SELECT g, g FROM generate_series(1, 5000) g", "billing");
        await scenario.Source.ExecuteAsync("CREATE DATABASE scratch");
        // The cluster's PgBouncer routes nothing to a migrated source database: the panel offers the switch, and the
        // service refuses it (422, before anything changes), which the panel must show.
        PgBouncerProcess? bouncer = PgBouncerProcess.Installed ? await PgBouncerProcess.StartAsync([$"shop = host=127.0.0.1 port={scenario.Target.Port} dbname=shop"]) : null;
        await using var stopBouncer = bouncer;
        var cluster = TestService.Cluster(scenario.Target, ClusterId, "orders-prod");
        if (bouncer is not null)
            cluster = cluster with { PgBouncer = new PgMove.Core.Switch.SwitchSettings { PgBouncerAdmin = bouncer.AdminSpec } };
        await using var service = await TestService.StartAsync(scenario.StatePath, [cluster]);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 1000 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        page.Dialog += (_, dialog) => dialog.AcceptAsync();

        await page.GotoAsync($"{service.BaseAddress}/clusters/{ClusterId}");
        await page.FillAsync("#token", TestService.Token);
        await page.ClickAsync("#use-token");
        await Assertions.Expect(page.Locator("#cluster-name")).ToHaveTextAsync("orders-prod");

        // A wrong port first: the checks fail, name the check and its fix, and Start stays disabled.
        await page.FillAsync("#src-host", scenario.Source.Host);
        await page.FillAsync("#src-port", FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync("#src-user", "postgres");
        await page.FillAsync("#src-password", PgCluster.SuperuserPassword);
        await page.FillAsync("#src-db", "postgres");
        await page.CheckAsync("#disable-ssl");
        await page.FillAsync("#exclude", "scratch");
        await page.ClickAsync("#check");
        await Assertions.Expect(page.Locator("#checks-summary")).ToContainTextAsync("Some checks failed");
        await Assertions.Expect(page.Locator("#checks tr.check.fail").First).ToContainTextAsync("source.connection");
        await Assertions.Expect(page.Locator("#checks .fix").First).ToContainTextAsync("Fix:");
        Assert.True(await page.IsDisabledAsync("#start"));

        await page.FillAsync("#src-port", scenario.Source.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#check");
        await Assertions.Expect(page.Locator("#checks-summary")).ToContainTextAsync("All checks passed");
        await page.ClickAsync("#start");

        await Assertions.Expect(page.Locator("#banner")).ToHaveAttributeAsync("data-status", "syncing", new() { Timeout = Timeout });
        await Assertions.Expect(page.Locator("#stop")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#database-rows tr")).ToHaveCountAsync(3); // postgres, shop, billing; scratch excluded

        // Writes on the source while the chart draws: lag rises and falls.
        using var load = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var next = 20001;
            while (!load.IsCancellationRequested)
            {
                await scenario.Source.ExecuteAsync($"INSERT INTO items SELECT g, repeat('x', 200) FROM generate_series({next}, {next + 1999}) g", "shop");
                next += 2000;
                await Task.Delay(150);
            }
        });
        await page.WaitForFunctionAsync("() => Number(document.getElementById('lag-chart').dataset.points) >= 6", null, new() { Timeout = Timeout });
        await load.CancelAsync();
        await writer;
        Assert.Equal(1, await page.Locator("#lag-chart polyline").CountAsync());
        Assert.Contains(",", await page.Locator("#lag-chart polyline").GetAttributeAsync("points"), StringComparison.Ordinal);
        // The screenshot goes to the test run's folder; PGMOVE_UPDATE_SCREENSHOT=1 refreshes the one kept in docs/.
        var screenshot = Environment.GetEnvironmentVariable("PGMOVE_UPDATE_SCREENSHOT") == "1"
            ? Path.Combine(RepositoryRoot(), "docs", "panel.png")
            : Path.Combine(TestRun.Directory, "panel.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, "The panel screenshot is (nearly) empty.");

        if (bouncer is not null)
        {
            await Assertions.Expect(page.Locator("#switch-choice")).ToBeVisibleAsync();
            await page.CheckAsync("#switch-pgbouncer");
            await page.ClickAsync("#cutover");
            await Assertions.Expect(page.Locator("#action-error")).ToContainTextAsync("No entry of", new() { Timeout = Timeout });
            await Assertions.Expect(page.Locator("#banner")).ToHaveAttributeAsync("data-status", "syncing");
        }

        await page.ClickAsync("#stop");
        await Assertions.Expect(page.Locator("#action-error")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#banner")).ToHaveAttributeAsync("data-status", "canceled", new() { Timeout = Timeout });
        await Assertions.Expect(page.Locator("#stop")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#setup")).ToBeVisibleAsync();
        Assert.Equal(5000, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM invoices", "billing"));
        Assert.True(await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM items", "shop") >= 20000);
        Assert.Equal(0, await scenario.Target.ScalarAsync<int>("SELECT count(*) FROM pg_database WHERE datname = 'scratch'"));
        await SourceHygiene.AssertCleanAsync(scenario.Source);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PgMove.slnx")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("PgMove.slnx not found above " + AppContext.BaseDirectory);
    }
}
