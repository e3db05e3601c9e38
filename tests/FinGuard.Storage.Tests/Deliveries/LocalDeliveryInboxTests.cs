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

    [Fact]
    public async Task A_state_update_appends_a_line_and_creates_no_file()
    {
        var inbox = Backend().Inbox;
        var delivery = NewDelivery();
        await inbox.AcceptAsync(delivery, default);
        var before = Directory.GetFiles(DeliveriesFolder).Order(StringComparer.Ordinal).ToList();

        await inbox.MarkFailedAsync(delivery.DeliveryId, "GitHub answered 502", permanent: false, default);
        await inbox.MarkCompletedAsync(delivery.DeliveryId, default);

        Assert.Equal(before, Directory.GetFiles(DeliveriesFolder).Order(StringComparer.Ordinal).ToList());
        var lines = await File.ReadAllLinesAsync(StatePath(delivery));
        Assert.Equal(3, lines.Length);
        Assert.Contains("\"state\":\"Pending\"", lines[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("GitHub answered 502", lines[1], StringComparison.Ordinal);
        var stored = await Backend().Inbox.GetAsync(delivery.DeliveryId, default);
        Assert.Equal(DeliveryState.Completed, stored!.State);
        Assert.Equal(1, stored.Attempts);
        Assert.Equal(delivery.Body.ToArray(), stored.Delivery.Body.ToArray());
    }

    [Fact]
    public async Task A_torn_last_append_is_ignored_and_the_next_update_starts_on_its_own_line()
    {
        var inbox = Backend().Inbox;
        var delivery = NewDelivery();
        await inbox.AcceptAsync(delivery, default);
        // A crash in the middle of appending "completed": part of a line, no newline.
        await File.AppendAllTextAsync(StatePath(delivery), """{"deliveryId":"x","event":"push","state":"Compl""");

        Assert.Equal(DeliveryState.Pending, (await Backend().Inbox.GetAsync(delivery.DeliveryId, default))!.State);
        Assert.Equal([delivery.DeliveryId], (await Backend().Inbox.ListPendingAsync(default)).Select(p => p.Delivery.DeliveryId));

        await inbox.MarkCompletedAsync(delivery.DeliveryId, default);

        Assert.Equal(DeliveryState.Completed, (await Backend().Inbox.GetAsync(delivery.DeliveryId, default))!.State);
        Assert.Empty(await Backend().Inbox.ListPendingAsync(default));
        var lines = await File.ReadAllLinesAsync(StatePath(delivery));
        Assert.Equal(3, lines.Length);
        Assert.EndsWith("\"state\":\"Compl", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_file_of_one_document_without_a_newline_as_written_before_still_reads_and_updates()
    {
        var inbox = Backend().Inbox;
        var delivery = NewDelivery();
        await inbox.AcceptAsync(delivery, default);
        var path = StatePath(delivery);
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).TrimEnd('\n'));

        Assert.Equal(DeliveryState.Pending, (await Backend().Inbox.GetAsync(delivery.DeliveryId, default))!.State);
        await inbox.MarkCompletedAsync(delivery.DeliveryId, default);

        Assert.Equal(DeliveryState.Completed, (await Backend().Inbox.GetAsync(delivery.DeliveryId, default))!.State);
        Assert.Equal(2, (await File.ReadAllLinesAsync(path)).Length);
    }

    [Fact]
    public async Task A_state_file_with_no_complete_document_is_a_specific_error()
    {
        var inbox = Backend().Inbox;
        var delivery = NewDelivery();
        await inbox.AcceptAsync(delivery, default);
        await File.WriteAllTextAsync(StatePath(delivery), "{\"deliveryId\":");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Backend().Inbox.GetAsync(delivery.DeliveryId, default));
        Assert.Contains("holds no complete state document", error.Message, StringComparison.Ordinal);
    }

    private string DeliveriesFolder => Path.Combine(_root, "deliveries");

    private string StatePath(InboundDelivery delivery) =>
        Directory.GetFiles(DeliveriesFolder, "*.json").Single(f => File.ReadAllText(f).Contains(delivery.DeliveryId, StringComparison.Ordinal));

    private static InboundDelivery NewDelivery() =>
        new(Guid.NewGuid().ToString(), "push", null, 1, "o/r", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), """{"ref":"refs/heads/main"}"""u8.ToArray());

    protected override void DisposeStorage() => TestStorage.DeleteTempRoot(_root);
}
