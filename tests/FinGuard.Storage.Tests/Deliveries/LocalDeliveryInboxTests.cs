using FinGuard.Core.Deliveries;

namespace FinGuard.Storage.Tests.Deliveries;

public sealed class LocalDeliveryInboxTests : DeliveryInboxContract
{
    private readonly string _root = TestStorage.NewTempRoot();

    internal override StorageBackend CreateBackend() => StorageBackend.CreateLocal(_root);

    [Fact]
    public async Task Leftover_temp_files_from_a_crash_are_ignored()
    {
        var inbox = Backend().Inbox;
        var delivery = new InboundDelivery(Guid.NewGuid().ToString(), "push", null, 1, "o/r", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), "{}"u8.ToArray());
        await inbox.AcceptAsync(delivery, default);
        var crashed = Guid.NewGuid().ToString();
        await File.WriteAllTextAsync(Path.Combine(_root, "deliveries", $"{crashed}.json.{Guid.NewGuid():N}.tmp"), """{"deliveryId":""");

        var pending = await Backend().Inbox.ListPendingAsync(default);

        Assert.Equal([delivery.DeliveryId], pending.Select(p => p.Delivery.DeliveryId));
        Assert.Null(await inbox.GetAsync(crashed, default));
    }

    protected override void DisposeStorage() => TestStorage.DeleteTempRoot(_root);
}
