using FinGuard.Storage.Jobs;
using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests.Jobs;

/// <summary>What every job state store must do: state survives a new store over the same storage (a restart), jobs are separate, entries are replaced as a whole.</summary>
public abstract class JobStateContract : IDisposable
{
    private readonly List<StorageBackend> backends = [];

    internal abstract StorageBackend CreateBackend();

    private IJobStateStore Store()
    {
        var backend = CreateBackend();
        backends.Add(backend);
        return backend.JobState;
    }

    [Fact]
    public async Task State_survives_a_restart_and_jobs_do_not_see_each_other()
    {
        var before = Store();
        Assert.Empty(await before.ReadAsync("freeze-window-edges", default));

        var entries = new Dictionary<string, string>
        {
            ["octo-org/payments"] = """{"checkedUntil":"2026-12-03T12:00:00.0000000+00:00"}""",
            ["octo-org/ledger.v2_x-y"] = "{}",
            ["odd key #?/\\ é"] = "\"value\"",
        };
        await before.WriteAsync("freeze-window-edges", entries, default);
        await before.WriteAsync("redelivery-sweep", new Dictionary<string, string> { ["lastSweep"] = "2026-12-03T12:00:00Z" }, default);

        var after = Store();
        Assert.Equal(entries.OrderBy(e => e.Key, StringComparer.Ordinal), (await after.ReadAsync("freeze-window-edges", default)).OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal("2026-12-03T12:00:00Z", Assert.Single(await after.ReadAsync("redelivery-sweep", default)).Value);
    }

    [Fact]
    public async Task A_write_replaces_the_entries_changed_and_removes_the_ones_left_out()
    {
        var store = Store();
        await store.WriteAsync("freeze-window-edges", Enumerable.Range(0, 150).ToDictionary(i => $"org/repo-{i}", i => $"{{\"n\":{i}}}"), default);

        await store.WriteAsync("freeze-window-edges", new Dictionary<string, string> { ["org/repo-7"] = "{\"n\":700}", ["org/new"] = "{}" }, default);

        var read = await Store().ReadAsync("freeze-window-edges", default);
        Assert.Equal(["org/new", "org/repo-7"], read.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("{\"n\":700}", read["org/repo-7"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    public async Task A_job_name_that_is_not_letters_digits_and_dashes_is_refused(string job) =>
        await Assert.ThrowsAsync<ArgumentException>(() => Store().ReadAsync(job, default));

    public void Dispose()
    {
        foreach (var backend in backends)
        {
            backend.Dispose();
        }

        DisposeStorage();
        GC.SuppressFinalize(this);
    }

    protected virtual void DisposeStorage()
    {
    }
}

public sealed class LocalJobStateTests : JobStateContract
{
    private readonly string root = TestStorage.NewTempRoot();

    internal override StorageBackend CreateBackend() => StorageBackend.CreateLocal(root);

    protected override void DisposeStorage() => TestStorage.DeleteTempRoot(root);
}

[Collection(AzuriteFixture.CollectionName)]
public sealed class AzureJobStateTests(AzuriteFixture azurite) : JobStateContract
{
    private readonly StorageOptions options = TestStorage.NewAzureOptions(azurite);

    internal override StorageBackend CreateBackend() => TestStorage.NewAzureBackend(options);
}
