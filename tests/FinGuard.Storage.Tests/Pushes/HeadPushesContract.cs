using FinGuard.Storage.Pushes;
using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests.Pushes;

/// <summary>
/// What every head push store must do: a push survives a restart, is found by repository (any case) and head SHA only,
/// is recorded once per delivery, and keys that could escape their place are refused.
/// </summary>
public abstract class HeadPushesContract : IDisposable
{
    private const string Head = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a09";
    private readonly List<StorageBackend> backends = [];

    internal abstract StorageBackend CreateBackend();

    private IHeadPushes Store()
    {
        var backend = CreateBackend();
        backends.Add(backend);
        return backend.HeadPushes;
    }

    private static HeadPush Push(string deliveryId, string login, string action = "synchronize", string repository = "octo-org/payments", string head = Head, int minute = 0) => new()
    {
        Repository = repository,
        HeadSha = head,
        DeliveryId = deliveryId,
        Action = action,
        ReceivedAt = new DateTimeOffset(2026, 12, 1, 10, minute, 0, TimeSpan.Zero),
        Body = $$$"""{"action":"{{{action}}}","sender":{"login":"{{{login}}}","id":1}}""",
    };

    [Fact]
    public async Task A_push_survives_a_restart_and_is_found_by_repository_and_head_only()
    {
        var before = Store();
        Assert.Empty(await before.FindAsync("octo-org/payments", Head, default));

        var reopened = Push("0b7c1a2e-0000-4000-8000-000000000002", "reviewer-bob", "reopened", minute: 5);
        var pushed = Push("0b7c1a2e-0000-4000-8000-000000000001", "dev-alice");
        await before.RecordAsync(reopened, default);
        await before.RecordAsync(pushed, default);
        await before.RecordAsync(Push("0b7c1a2e-0000-4000-8000-000000000003", "other", repository: "octo-org/ledger"), default);
        await before.RecordAsync(Push("0b7c1a2e-0000-4000-8000-000000000004", "older", head: new string('1', 40)), default);

        var found = await Store().FindAsync("Octo-Org/Payments", Head.ToUpperInvariant(), default);
        Assert.Equal([pushed, reopened], found);
    }

    [Fact]
    public async Task Recording_the_same_delivery_again_keeps_one_record()
    {
        var store = Store();
        var push = Push("0b7c1a2e-0000-4000-8000-000000000001", "dev-alice");

        await store.RecordAsync(push, default);
        await store.RecordAsync(push, default);

        Assert.Equal([push], await Store().FindAsync("octo-org/payments", Head, default));
    }

    [Theory]
    [InlineData("octo-org/payments", "../../etc", "0b7c1a2e")]
    [InlineData("octo-org/../etc", Head, "0b7c1a2e")]
    [InlineData("octo-org/payments", Head, "../x")]
    public async Task Keys_that_are_not_a_repository_a_sha_and_a_delivery_id_are_refused(string repository, string head, string deliveryId) =>
        await Assert.ThrowsAsync<ArgumentException>(() => Store().RecordAsync(Push(deliveryId, "x", repository: repository, head: head), default));

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

public sealed class LocalHeadPushesTests : HeadPushesContract
{
    private readonly string root = TestStorage.NewTempRoot();

    internal override StorageBackend CreateBackend() => StorageBackend.CreateLocal(root);

    protected override void DisposeStorage() => TestStorage.DeleteTempRoot(root);
}

[Collection(AzuriteFixture.CollectionName)]
public sealed class AzureHeadPushesTests(AzuriteFixture azurite) : HeadPushesContract
{
    private readonly StorageOptions options = TestStorage.NewAzureOptions(azurite);

    internal override StorageBackend CreateBackend() => TestStorage.NewAzureBackend(options);
}
