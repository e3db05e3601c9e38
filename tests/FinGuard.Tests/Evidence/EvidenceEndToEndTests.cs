using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Evidence;
using FinGuard.Evidence;
using FinGuard.Storage;
using FinGuard.Storage.Evidence;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.EndToEnd;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// The auditor's path end to end: the real <c>finguard serve</c> host on Azurite decides several pull requests from
/// signed webhooks (failing, pending, self-approved, passing, with a policy file); the day is checkpointed;
/// <c>finguard evidence export</c> reads the decisions back from Azure; <c>verify</c> finds the bundle and the live
/// store intact; <c>replay</c> recomputes every decision from its own record and matches it exactly; every record
/// validates against docs/evidence.schema.json; and headless Chromium renders report.html with each decision's facts.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class EvidenceEndToEndTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string work = TempDirectory.Create();
    private readonly string container = $"ev-{Guid.NewGuid():N}"[..20];
    private readonly string tablePrefix = $"t{Guid.NewGuid():N}"[..20];
    private readonly string repo = $"vault-{Guid.NewGuid():N}"[..16];
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;

    private string[] StorageSwitches =>
    [
        $"--Storage:ConnectionString={azurite.ConnectionString}",
        $"--Storage:EvidenceContainer={container}",
        $"--Storage:TablePrefix={tablePrefix}",
    ];

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        var settings = FinGuardHost.AzuriteGitHubSettings(github, azurite.ConnectionString);
        settings["Storage:EvidenceContainer"] = container;
        settings["Storage:TablePrefix"] = tablePrefix;
        host = await FinGuardHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(work);
    }

    [Fact]
    public async Task Decisions_made_by_the_server_export_verify_replay_validate_and_render_for_an_auditor()
    {
        var chain = $"octo-bank/{repo}";
        var store = host.Services.GetRequiredService<IEvidenceStore>();

        // 1. Failing: one unsigned commit (its message carries markup the report must escape).
        var unsigned = new PullRequestScenario("octo-bank", repo, 42)
            .WithCommit(verified: true, message: "Add settlement report")
            .WithCommit(verified: false, reason: "unsigned", message: "Fix <script>alert(1)</script> & rounding")
            .WithTwoIndependentApprovals();
        await DeliverAsync(unsigned, Payload(unsigned, "synchronize"), "pull_request", expected: 1);

        // 2-5. Pending until two independent approvals: opened, the author's own approval, one, then two reviewers.
        var reviewed = new PullRequestScenario("octo-bank", repo, 43).WithCommit(verified: true, message: "Rotate signing keys");
        await DeliverAsync(reviewed, Payload(reviewed, "opened"), "pull_request", expected: 2);
        reviewed.WithReview(reviewed.AuthorLogin, 5001);
        await DeliverAsync(reviewed, Encoding.UTF8.GetBytes(reviewed.ReviewWebhookPayload().ToJsonString()), "pull_request_review", expected: 3);
        reviewed.WithReview("reviewer-bob", 9001);
        await DeliverAsync(reviewed, Encoding.UTF8.GetBytes(reviewed.ReviewWebhookPayload().ToJsonString()), "pull_request_review", expected: 4);
        reviewed.WithReview("reviewer-carol", 9002);
        await DeliverAsync(reviewed, Encoding.UTF8.GetBytes(reviewed.ReviewWebhookPayload().ToJsonString()), "pull_request_review", expected: 5);

        // 6. A repository policy (one approval) read from the base branch.
        var withPolicy = new PullRequestScenario("octo-bank", repo, 44) { RepositoryPolicy = "version: 1\nseparation-of-duties:\n  required-approvals: 1\n" }
            .WithCommit(verified: true, message: "Tune fraud thresholds")
            .WithReview("reviewer-dave", 9003);
        await DeliverAsync(withPolicy, Payload(withPolicy, "synchronize"), "pull_request", expected: 6);

        var index = await store.ListAsync(chain, CancellationToken.None).ToListAsync();
        foreach (var entry in index)
        {
            var decided = EvidenceSerializer.FromBytes((await store.ReadAsync(entry.BlobName, CancellationToken.None))!);
            output.WriteLine($"{entry.BlobName}: {decided.Subject.Id} {decided.Result.Verdict} {decided.Result.ReasonCode} — {string.Join("; ", decided.Result.Controls.SelectMany(c => c.Reasons))}");
        }

        Assert.Equal(["fail", "fail", "fail", "fail", "pass", "pass"], index.Select(e => e.Verdict));

        // The day closes: the daily checkpoint (on a clock set to tomorrow) states this chain's head.
        var decidedOn = DateOnly.FromDateTime(index[^1].Timestamp.UtcDateTime);
        var tomorrow = new DateTimeOffset(decidedOn.AddDays(1).ToDateTime(new TimeOnly(0, 5)), TimeSpan.Zero);
        var writer = new CheckpointWriter(store, CheckpointChainCatalog.Create(host.Services.GetRequiredService<IOptions<StorageOptions>>().Value),
            host.Services.GetRequiredService<EvidenceModeState>(), new FakeTimeProvider(tomorrow));
        var checkpoint = await writer.WritePreviousDayAsync("octo-bank", CancellationToken.None);
        Assert.True(checkpoint.Written);

        // Export from Azure, verify the bundle and the live store.
        var bundle = Path.Combine(work, "bundle.zip");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var export = await EvidenceCli.RunAsync(["export", "--repo", chain, "--out", bundle, .. StorageSwitches]);
        output.WriteLine($"export ({clock.Elapsed.TotalSeconds:F1} s): exit {export.Exit}{Environment.NewLine}{export.Stdout}{export.Stderr}");
        Assert.True(export.Exit == 0, export.Stdout + export.Stderr);
        Assert.Contains("Exported 6 record(s)", export.Stdout, StringComparison.Ordinal);

        clock.Restart();
        var verify = await EvidenceCli.RunAsync("verify", bundle);
        output.WriteLine($"verify bundle ({clock.Elapsed.TotalSeconds:F1} s): exit {verify.Exit}{Environment.NewLine}{verify.Stdout}");
        Assert.True(verify.Exit == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("6 record(s) in 1 chain(s), 1 checkpoint record(s)", verify.Stdout, StringComparison.Ordinal);

        var live = await EvidenceCli.RunAsync(["verify", "--live", "--repo", chain, .. StorageSwitches]);
        output.WriteLine($"verify --live: exit {live.Exit}{Environment.NewLine}{live.Stdout}");
        Assert.True(live.Exit == 0, live.Stdout + live.Stderr);

        // Replay every decision from the bundle's record files: the CLI says MATCH, and the comparison is exact.
        var extracted = Path.Combine(work, "extracted");
        ZipFile.ExtractToDirectory(bundle, extracted);
        var recordFiles = Directory.GetFiles(Path.Combine(extracted, "records", "octo-bank", repo), "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(6, recordFiles.Count);
        var schema = EvidenceSchemaTests.Schema();
        foreach (var file in recordFiles.Concat(Directory.GetFiles(Path.Combine(extracted, "records", "octo-bank", "_checkpoints"))))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            using var document = JsonDocument.Parse(bytes);
            var errors = schema.Validate(document.RootElement);
            Assert.True(errors.Count == 0, $"{file}:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
        }

        foreach (var file in recordFiles)
        {
            var replay = await EvidenceCli.RunAsync("replay", file);
            output.WriteLine($"$ finguard evidence replay {Path.GetFileName(file)}: exit {replay.Exit}{Environment.NewLine}{replay.Stdout}{replay.Stderr}");
            Assert.True(replay.Exit == 0, replay.Stdout + replay.Stderr);
            Assert.Contains("MATCH:", replay.Stdout, StringComparison.Ordinal);
            var comparison = EvidenceReplayComparison.Compare(EvidenceSerializer.FromBytes(await File.ReadAllBytesAsync(file)));
            Assert.True(comparison.ExactMatch, string.Join(Environment.NewLine, comparison.DecisionDifferences.Concat(comparison.WordingDifferences)));
            Assert.Equal(0, (await EvidenceCli.RunAsync("replay", file, "--strict")).Exit);
        }

        // A record whose verdict was edited no longer replays.
        var edited = JsonNode.Parse(await File.ReadAllBytesAsync(recordFiles[0]))!.AsObject();
        edited["result"]!["controls"]![0]!["status"] = "pass";
        edited["result"]!["verdict"] = "pass";
        var editedPath = Path.Combine(work, "edited.json");
        await File.WriteAllBytesAsync(editedPath, CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(edited.ToJsonString())));
        var mismatch = await EvidenceCli.RunAsync("replay", editedPath);
        output.WriteLine(mismatch.Stdout);
        Assert.Equal(1, mismatch.Exit);
        Assert.Contains("DIFFERENT verdict: recorded 'pass', recomputed 'fail'", mismatch.Stdout, StringComparison.Ordinal);
        Assert.Contains("DIFFERENT control signed-commits status: recorded 'pass', recomputed 'fail'", mismatch.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await EvidenceCli.RunAsync("replay", Directory.GetFiles(Path.Combine(extracted, "records", "octo-bank", "_checkpoints"))[0])).Exit);
        Assert.Equal(2, (await EvidenceCli.RunAsync("replay", Path.Combine(extracted, "manifest.json"))).Exit);

        // The report, as a browser renders it (FINGUARD_KEEP_REPORT=DIR keeps a copy of the extracted bundle to look at).
        if (Environment.GetEnvironmentVariable("FINGUARD_KEEP_REPORT") is { Length: > 0 } keep)
        {
            ZipFile.ExtractToDirectory(bundle, keep, overwriteFiles: true);
        }

        clock.Restart();
        var (dom, elapsed) = await HeadlessChromium.DumpDomAsync(Path.Combine(extracted, "report.html"));
        output.WriteLine($"chromium --dump-dom report.html: {elapsed.TotalSeconds:F1} s, {dom.Length} characters");
        // The rendered text: tags dropped, entities decoded, whitespace runs collapsed (in expectations too).
        static string Flat(string value) => System.Text.RegularExpressions.Regex.Replace(value, @"\s+", " ");
        var text = Flat(System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Replace(dom, "<[^>]+>", " ")));
        Assert.Contains($"FinGuard evidence report — {chain}", text, StringComparison.Ordinal);
        foreach (var record in recordFiles.Select(f => EvidenceSerializer.FromBytes(File.ReadAllBytes(f))))
        {
            Assert.Contains($"Record {record.Sequence} — {record.Subject.Id} — {record.Result.Verdict.ToUpperInvariant()}", text, StringComparison.Ordinal);
            Assert.Contains(record.Subject.HeadSha, text, StringComparison.Ordinal);
            Assert.Contains(record.DeliveryId, text, StringComparison.Ordinal);
            foreach (var reason in record.Result.Controls.SelectMany(c => c.Reasons))
            {
                // Code spans render as <code>, so the text shows them without their backticks.
                Assert.Contains(Flat(reason.Replace("`", "", StringComparison.Ordinal)), text, StringComparison.Ordinal);
            }
        }

        Assert.Contains("1 of 2 commits is not signed with a verified signature.", text, StringComparison.Ordinal);
        Assert.Contains("reviewer-bob", text, StringComparison.Ordinal);
        Assert.Contains("reviewer-carol", text, StringComparison.Ordinal);
        Assert.Contains("reviewer-dave", text, StringComparison.Ordinal);
        Assert.Contains("separation-of-duties", text, StringComparison.Ordinal);
        Assert.Contains(".github/finguard.yml", text, StringComparison.Ordinal);
        Assert.Contains("Fix <script>alert(1)</script> & rounding", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", dom, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Daily checkpoints", text, StringComparison.Ordinal);
        Assert.Contains(index[^1].Sha256, text, StringComparison.Ordinal);

        // Read as a person would: Markdown code spans are code, not backticks; the development mode is a banner; the
        // latest decision of each pull request has its own table.
        Assert.Contains("Not verified: <code>unsigned</code>", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("`unsigned`", text, StringComparison.Ordinal);
        Assert.Contains($"DEVELOPMENT MODE: {recordFiles.Count} of {recordFiles.Count} decisions were recorded with mode: development", text, StringComparison.Ordinal);
        Assert.Contains("they are not WORM evidence", text, StringComparison.Ordinal);
        var latest = System.Text.RegularExpressions.Regex.Match(dom, "<h2 id=\"latest\">.*?</table>", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(latest, "<tr><td>")); // #42, #43 and #44
        Assert.Matches($"<tr><td>{System.Text.RegularExpressions.Regex.Escape(chain)}#43</td><td class=\"pass\">PASS</td>", latest);

        var screenshot = Path.Combine(RepositoryRoot.Path, "artifacts", "screenshots", "evidence-report.png");
        await HeadlessChromium.ScreenshotAsync(Path.Combine(extracted, "report.html"), screenshot);
        output.WriteLine($"report screenshot: {screenshot}");
        // A blank 1280x1600 page compresses to about 10 KB; the report's first screen of text and tables to hundreds.
        Assert.True(new FileInfo(screenshot).Length > 50_000, $"the screenshot {screenshot} looks blank ({new FileInfo(screenshot).Length} bytes)");
    }

    private static byte[] Payload(PullRequestScenario scenario, string action) =>
        Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", action), action).ToJsonString());

    private async Task DeliverAsync(PullRequestScenario scenario, byte[] body, string eventName, int expected)
    {
        scenario.ServeOn(github);
        using (await host.Client.SendAsync(FinGuardHost.Delivery(eventName, body)))
        {
        }

        var store = host.Services.GetRequiredService<IEvidenceStore>();
        var chain = scenario.FullName.ToLowerInvariant();
        await Eventually.GetAsync(
            () => store.ListAsync(chain, CancellationToken.None).ToListAsync().AsTask().Result is { } rows && rows.Count >= expected ? rows : null,
            () => $"expected {expected} decision(s) in {chain}");
    }
}
