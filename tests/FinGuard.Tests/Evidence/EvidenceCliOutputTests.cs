using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// What <c>evidence verify</c> and <c>export</c> tell an auditor beyond "intact": the mode the records state (development
/// records are not WORM evidence), which newest records no checkpoint covers yet, and that an export found nothing.
/// </summary>
public sealed class EvidenceCliOutputTests : IAsyncLifetime
{
    private const string Payments = "octo-bank/payments";
    private static readonly DateTimeOffset Day1 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private readonly string work = TempDirectory.Create();
    private EvidenceTestStore store = null!;

    public async Task InitializeAsync()
    {
        store = EvidenceTestStore.Create();
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 42).WithCommit(verified: true), Day1.AddHours(9));
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 42).WithCommit(verified: true).WithTwoIndependentApprovals(), Day1.AddHours(10));
        Assert.True((await store.Checkpoints(Day1.AddDays(1).AddMinutes(5)).WritePreviousDayAsync("octo-bank", CancellationToken.None)).Written);
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 43).WithCommit(verified: true), Day1.AddDays(1).AddHours(9));
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 44).WithCommit(verified: true), Day1.AddDays(1).AddHours(10));
    }

    public async Task DisposeAsync()
    {
        await store.DisposeAsync();
        TempDirectory.Delete(work);
    }

    [Fact]
    public async Task Verify_states_development_mode_prominently_and_never_a_bare_INTACT()
    {
        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", "--live", "--repo", Payments, $"--Storage:LocalPath={store.Root}");

        Assert.Equal(0, exit);
        Assert.Contains("MODE: DEVELOPMENT: 4 of 4 record(s) state a mode other than production (4 development).", stdout, StringComparison.Ordinal);
        Assert.Contains("they are NOT WORM evidence", stdout, StringComparison.Ordinal);
        Assert.EndsWith("INTACT (development-mode records, not WORM evidence): every hash, chain link, checkpoint and index row checks out.\n", stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_says_which_newest_records_no_checkpoint_covers_yet()
    {
        var (exit, stdout, _) = await EvidenceCli.RunAsync("verify", store.Root);

        Assert.Equal(0, exit);
        Assert.Contains("note: octo-bank/payments: the newest records (3 to 4) are not yet covered by a checkpoint", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_of_a_repository_without_evidence_says_so_and_exits_3_without_a_bundle()
    {
        var output = Path.Combine(work, "none.zip");

        var (exit, _, stderr) = await EvidenceCli.RunAsync("export", "--repo", "octo-bank/unknown", "--out", output, $"--Storage:LocalPath={store.Root}");

        Assert.Equal(3, exit);
        Assert.Contains("no evidence found: there is no evidence for octo-bank/unknown", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Export_of_a_range_without_records_says_so_and_exits_3()
    {
        var output = Path.Combine(work, "empty-range.zip");

        var (exit, _, stderr) = await EvidenceCli.RunAsync("export", "--repo", Payments, "--from", "2026-01-01", "--to", "2026-01-31", "--out", output, $"--Storage:LocalPath={store.Root}");

        Assert.Equal(3, exit);
        Assert.Contains("no evidence found: no record of octo-bank/payments falls in the time range", stderr, StringComparison.Ordinal);
    }
}
