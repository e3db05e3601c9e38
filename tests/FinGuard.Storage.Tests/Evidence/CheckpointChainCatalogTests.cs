using FinGuard.Storage.Evidence;
using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests.Evidence;

/// <summary>
/// The checkpoint's view of the store: which organisations and chains hold evidence, read from the objects themselves
/// (blob name prefixes / the evidence folder) — the same answer from both backends.
/// </summary>
public abstract class CheckpointChainCatalogContract : IAsyncLifetime
{
    private StorageBackend backend = null!;
    private ICheckpointChainCatalog catalog = null!;

    protected abstract StorageOptions CreateOptions();

    public Task InitializeAsync()
    {
        var options = CreateOptions();
        backend = options.UsesAzure ? TestStorage.NewAzureBackend(options) : StorageBackend.CreateLocal(options.LocalPath);
        catalog = CheckpointChainCatalog.Create(options);
        return Task.CompletedTask;
    }

    public virtual Task DisposeAsync()
    {
        backend.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_empty_store_has_no_organisations()
    {
        Assert.Empty(await catalog.ListOrganisationsAsync(CancellationToken.None).ToListAsync());
        Assert.Empty(await catalog.ListChainsAsync("octo", CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task Organisations_and_their_chains_are_listed_in_ordinal_order_including_unindexed_objects()
    {
        foreach (var chain in new[] { "octo/payments", "octo/ledger", "acme/api", "octo/_checkpoints" })
        {
            await backend.Evidence.AppendAsync(EvidenceRecords.Create(chain), CancellationToken.None);
        }

        // Written but never indexed (a writer that stopped after the object): still a chain.
        Assert.True(await backend.EvidenceObjects.TryCreateAsync("zeta/orphan/000000000001.json", "{}"u8.ToArray(), CancellationToken.None));

        Assert.Equal(["acme", "octo", "zeta"], await catalog.ListOrganisationsAsync(CancellationToken.None).ToListAsync());
        Assert.Equal(["octo/_checkpoints", "octo/ledger", "octo/payments"], await catalog.ListChainsAsync("OCTO", CancellationToken.None).ToListAsync());
        Assert.Equal(["zeta/orphan"], await catalog.ListChainsAsync("zeta", CancellationToken.None).ToListAsync());
        Assert.Empty(await catalog.ListChainsAsync("nobody", CancellationToken.None).ToListAsync());
        Assert.Throws<ArgumentException>(() => CheckpointChainCatalog.NormalizeOrganisation("../etc"));
    }
}

public sealed class LocalCheckpointChainCatalogTests : CheckpointChainCatalogContract
{
    private readonly string root = TestStorage.NewTempRoot();

    protected override StorageOptions CreateOptions() => new() { LocalPath = root };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        TestStorage.DeleteTempRoot(root);
    }
}

[Collection(AzuriteFixture.CollectionName)]
public sealed class AzureCheckpointChainCatalogTests(AzuriteFixture azurite) : CheckpointChainCatalogContract
{
    protected override StorageOptions CreateOptions() => TestStorage.NewAzureOptions(azurite);
}
