using FinGuard.Core.Evidence;
using FinGuard.Evidence;
using FinGuard.Functions;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// The daily checkpoint: written once per organisation for the previous UTC day, into <c>{org}/_checkpoints</c> in the
/// same store, stating each repository chain's last record stamped before midnight with the SHA-256 of its stored bytes.
/// </summary>
public sealed class CheckpointWriterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 3, 14, 0, 0, 0, TimeSpan.Zero);
    private EvidenceTestStore store = null!;

    public Task InitializeAsync()
    {
        store = EvidenceTestStore.Create();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await store.DisposeAsync();

    [Fact]
    public async Task The_checkpoint_states_each_chains_last_record_before_midnight_utc_and_is_written_once()
    {
        var first = await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 1).WithCommit(verified: true), Day.AddHours(9));
        var last = await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 1).WithCommit(verified: false), Day.AddHours(23).AddMinutes(59));
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 2).WithCommit(verified: true), Day.AddDays(1).AddMinutes(1));
        var ledger = await store.DecideAsync(new PullRequestScenario("octo-bank", "ledger", 5).WithCommit(verified: true), Day.AddHours(-3));
        await store.DecideAsync(new PullRequestScenario("other-org", "api", 5).WithCommit(verified: true), Day.AddHours(1));
        Assert.Equal(1, first.Sequence);

        var writer = store.Checkpoints(Day.AddDays(1).AddMinutes(5));
        var outcome = await writer.WritePreviousDayAsync("Octo-Bank", CancellationToken.None);

        Assert.True(outcome.Written);
        Assert.Equal(new DateOnly(2026, 3, 14), outcome.Day);
        Assert.Equal("octo-bank/_checkpoints/000000000001.json", outcome.BlobName);
        var record = EvidenceSerializer.FromBytes((await store.Store.ReadAsync(outcome.BlobName, CancellationToken.None))!);
        Assert.Equal(CheckpointRecords.Action, record.Action);
        Assert.Equal("octo-bank/_checkpoints", record.Chain);
        Assert.Equal(CheckpointRecords.SubjectType, record.Subject.Type);
        Assert.Equal("octo-bank@2026-03-14", record.Subject.Id);
        Assert.Equal("checkpoint:octo-bank:2026-03-14", record.DeliveryId);
        Assert.Equal(Day.AddDays(1).AddMinutes(5), record.Timestamp);
        Assert.True(CheckpointRecords.TryRead(record, out var checkpoint, out var problem), problem);
        Assert.Equal(
            [("octo-bank/ledger", ledger.Sequence, ledger.Sha256), ("octo-bank/payments", last.Sequence, last.Sha256)],
            checkpoint!.Heads.Select(h => (h.Chain, h.Sequence, h.Sha256)));

        // Again the same day, later: nothing new is written.
        var again = await store.Checkpoints(Day.AddDays(1).AddHours(6)).WritePreviousDayAsync("octo-bank", CancellationToken.None);
        Assert.False(again.Written);
        Assert.Equal(outcome.BlobName, again.BlobName);
        Assert.Equal(2, again.Heads);
        Assert.Single(await store.Store.ListAsync("octo-bank/_checkpoints", CancellationToken.None).ToListAsync());

        // The next day chains on: the checkpoint chain is hash-linked like any other.
        var next = await store.Checkpoints(Day.AddDays(2).AddMinutes(5)).WritePreviousDayAsync("octo-bank", CancellationToken.None);
        Assert.True(next.Written);
        var nextRecord = EvidenceSerializer.FromBytes((await store.Store.ReadAsync(next.BlobName, CancellationToken.None))!);
        Assert.Equal(CanonicalJson.Sha256Hex((await store.Store.ReadAsync(outcome.BlobName, CancellationToken.None))!), nextRecord.PreviousSha256);
        Assert.True(CheckpointRecords.TryRead(nextRecord, out var nextCheckpoint, out _));
        Assert.Equal(3, nextCheckpoint!.Heads.Single(h => h.Chain == "octo-bank/payments").Sequence);
    }

    [Fact]
    public async Task A_checkpoint_found_unindexed_after_a_crash_is_not_written_twice()
    {
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 1).WithCommit(verified: true), Day.AddHours(9));
        var outcome = await store.Checkpoints(Day.AddDays(1)).WritePreviousDayAsync("octo-bank", CancellationToken.None);
        File.Delete(Path.Combine(store.Root, "index", "octo-bank", "_checkpoints", "000000000001.json"));

        var again = await store.Checkpoints(Day.AddDays(1).AddHours(1)).WritePreviousDayAsync("octo-bank", CancellationToken.None);

        Assert.False(again.Written);
        Assert.Equal(outcome.BlobName, again.BlobName);
        Assert.False(File.Exists(store.RecordPath("octo-bank/_checkpoints/000000000002.json")));
    }

    [Fact]
    public async Task The_DailyCheckpoint_timer_function_runs_the_checkpoint_job_in_the_real_host()
    {
        var folder = TempDirectory.Create();
        try
        {
            await using var host = await FinGuardHost.StartAsync(new Dictionary<string, string?>(FinGuardHost.LocalSettings(folder))
            {
                [LocalTimerScheduler.EnabledKey] = "false",
            });

            var body = await host.Services.GetRequiredService<ScheduledJobRunner>()
                .RunAsync(new ScheduledJobContext(FunctionNames.DailyCheckpoint, false, null), CancellationToken.None);

            Assert.Contains("DailyCheckpoint (done; past due: no): No evidence in the store yet; no checkpoint to write.", body, StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    [Fact]
    public async Task A_day_that_is_not_over_cannot_be_checkpointed()
    {
        var writer = store.Checkpoints(Day.AddHours(23));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => writer.WriteAsync("octo-bank", DateOnly.FromDateTime(Day.UtcDateTime), CancellationToken.None));
    }

    [Fact]
    public async Task The_timer_job_checkpoints_every_organisation_in_the_store_and_reports_what_it_did()
    {
        await store.DecideAsync(new PullRequestScenario("octo-bank", "payments", 1).WithCommit(verified: true), Day.AddHours(9));
        await store.DecideAsync(new PullRequestScenario("acme", "api", 1).WithCommit(verified: true), Day.AddHours(10));
        var job = new DailyCheckpointJob(store.Checkpoints(Day.AddDays(1).AddMinutes(10)));

        var outcome = await job.RunAsync(new ScheduledJobContext(DailyCheckpointJob.JobName, false, null), CancellationToken.None);

        Assert.True(outcome.Implemented);
        Assert.Equal(
            "acme 2026-03-14: wrote acme/_checkpoints/000000000001.json (1 chain head(s)); octo-bank 2026-03-14: wrote octo-bank/_checkpoints/000000000001.json (1 chain head(s))",
            outcome.Summary);
        var rerun = await job.RunAsync(new ScheduledJobContext(DailyCheckpointJob.JobName, true, null), CancellationToken.None);
        Assert.Contains("acme 2026-03-14: already had acme/_checkpoints/000000000001.json", rerun.Summary, StringComparison.Ordinal);

        // The organisations' checkpoints are themselves chains the catalog lists, but are never checkpointed.
        var octo = await store.Catalog.ListChainsAsync("octo-bank", CancellationToken.None).ToListAsync();
        Assert.Equal(["octo-bank/_checkpoints", "octo-bank/payments"], octo);
        var next = await store.Checkpoints(Day.AddDays(2)).WritePreviousDayAsync("octo-bank", CancellationToken.None);
        var record = EvidenceSerializer.FromBytes((await store.Store.ReadAsync(next.BlobName, CancellationToken.None))!);
        Assert.True(CheckpointRecords.TryRead(record, out var checkpoint, out _));
        Assert.Equal(["octo-bank/payments"], checkpoint!.Heads.Select(h => h.Chain));
    }
}
