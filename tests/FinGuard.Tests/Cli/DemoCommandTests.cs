using System.IO.Compression;
using System.Text.Json;
using FinGuard.Cli;
using FinGuard.Demo;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Tests.Cli;

/// <summary>
/// <c>finguard demo</c> end to end: the real server against the simulated GitHub, real signed deliveries, the real
/// worker and evidence store. The assertions are on what it leaves behind (the evidence store and the export), not only
/// on what it prints.
/// </summary>
public sealed class DemoCommandTests
{
    [Fact]
    public async Task The_demo_plays_the_story_and_leaves_a_store_and_an_export_that_verify()
    {
        var directory = Path.Combine(Infrastructure.TempDirectory.Create(), "demo");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        IReadOnlyList<string> requests = [];
        var started = TimeProvider.System.GetTimestamp();

        var exit = await DemoCommand.RunAsync(["--dir", directory], stdout, stderr, made => requests = made);

        var output = stdout.ToString();
        Assert.True(exit == 0, output + stderr);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromMinutes(1), "the demo must finish in under a minute");
        Assert.Contains("SIMULATION", output, StringComparison.Ordinal);
        Assert.Contains("Check run \"FinGuard\" on 9a8b7c6: action_required — 1 of 2 controls pending", output, StringComparison.Ordinal);
        Assert.Contains("Check run \"FinGuard\" on 9a8b7c6: success — All 2 controls passing", output, StringComparison.Ordinal);
        Assert.Contains("Check run \"FinGuard\" on deadbee: failure — 1 of 2 controls failing", output, StringComparison.Ordinal);
        Assert.Contains("FinGuard answered GitHub: APPROVED (POST …/actions/runs/7012345001/deployment_protection_rule)", output, StringComparison.Ordinal);
        Assert.Contains("FinGuard answered GitHub: REJECTED (POST …/actions/runs/7012345002/deployment_protection_rule)", output, StringComparison.Ordinal);
        Assert.Contains("finguard evidence verify ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("UNEXPECTED", output, StringComparison.Ordinal);
        Assert.DoesNotContain("no recording", output, StringComparison.Ordinal);

        // Every request FinGuard made to the simulated GitHub is a GitHub REST operation.
        Assert.NotEmpty(requests);
        Assert.All(requests, r =>
        {
            var (method, path) = (r[..r.IndexOf(' ', StringComparison.Ordinal)], r[(r.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            Assert.True(GitHubOpenApi.Default.TryMatch(method, path, out _), $"{r} is not in GitHub's OpenAPI description");
        });

        // The export holds the five decisions, in order, as development-mode evidence.
        var bundle = Path.Combine(directory, "evidence.zip");
        using (var zip = ZipFile.OpenRead(bundle))
        {
            var records = zip.Entries
                .Where(e => e.FullName.StartsWith("records/octo-bank/payments/", StringComparison.Ordinal) && e.FullName.EndsWith(".json", StringComparison.Ordinal))
                .OrderBy(e => e.FullName, StringComparer.Ordinal)
                .Select(e =>
                {
                    using var stream = e.Open();
                    using var json = JsonDocument.Parse(stream);
                    var root = json.RootElement;
                    return (Type: root.GetProperty("subject").GetProperty("type").GetString(), Verdict: root.GetProperty("result").GetProperty("verdict").GetString(), Mode: root.GetProperty("mode").GetString());
                })
                .ToList();
            Assert.Equal(
                [("pull_request", "fail"), ("pull_request", "pass"), ("pull_request", "fail"), ("deployment", "pass"), ("deployment", "fail")],
                records.Select(r => (r.Type, r.Verdict)));
            Assert.All(records, r => Assert.Equal("development", r.Mode));
        }

        Assert.True(File.Exists(Path.Combine(directory, "report.html")));

        // What the demo tells the user to run works: the bundle and the live store verify.
        using var verifyOut = new StringWriter();
        Assert.Equal(0, await FinGuardCommandLine.RunAsync(["evidence", "verify", bundle], verifyOut, verifyOut));
        Assert.Contains("INTACT (development-mode records, not WORM evidence)", verifyOut.ToString(), StringComparison.Ordinal);
        using var liveOut = new StringWriter();
        Assert.Equal(0, await FinGuardCommandLine.RunAsync(["evidence", "verify", "--live", "--repo", "octo-bank/payments", $"--Storage:LocalPath={Path.Combine(directory, "store")}"], liveOut, liveOut));
    }

    [Fact]
    public async Task A_folder_the_demo_did_not_make_is_refused_and_left_alone()
    {
        var directory = Infrastructure.TempDirectory.Create();
        var precious = Path.Combine(directory, "notes.txt");
        await File.WriteAllTextAsync(precious, "mine");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await FinGuardCommandLine.RunAsync(["demo", "--dir", directory], stdout, stderr);

        Assert.Equal(2, exit);
        Assert.Contains("was not made by 'finguard demo'", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(precious));
    }

    [Fact]
    public async Task Demo_help_says_it_is_a_simulation_and_exits_0()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await FinGuardCommandLine.RunAsync(["demo", "--help"], stdout, stderr);

        Assert.Equal(0, exit);
        Assert.Contains("A SIMULATION", stdout.ToString(), StringComparison.Ordinal);
    }
}
