using FinGuard.Core.Deliveries;

namespace FinGuard.Storage.Tests.Deliveries;

public sealed class LocalDeliveryInboxTests : DeliveryInboxContract
{
    private readonly string _root = TestStorage.NewTempRoot();

    internal override StorageBackend CreateBackend() => StorageBackend.CreateLocal(_root);

    protected override async Task FlipOneBodyByteAsync(string deliveryId)
    {
        var path = Path.Combine(_root, "deliveries", deliveryId.ToLowerInvariant() + ".json");
        var bytes = await File.ReadAllBytesAsync(path);
        var bodyStart = Array.IndexOf(bytes, (byte)'\n') + 1;
        bytes[bodyStart + 3] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);
    }

    protected override Task AssertKeptAsync(QuarantinedDelivery entry)
    {
        Assert.StartsWith(Path.Combine(_root, "deliveries", "quarantine") + Path.DirectorySeparatorChar, entry.Location, StringComparison.Ordinal);
        Assert.True(File.Exists(entry.Location), entry.Location);
        Assert.Contains(entry.DeliveryId, File.ReadAllText(entry.Location), StringComparison.Ordinal);
        return Task.CompletedTask;
    }

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
    public async Task A_delivery_is_one_file_holding_its_exact_body()
    {
        var inbox = Backend().Inbox;
        var delivery = NewDelivery("{\"pretty\": [\n  1,\n  2\n]}\n"u8.ToArray());

        await inbox.AcceptAsync(delivery, default);

        var file = Assert.Single(Directory.GetFiles(DeliveriesFolder));
        var bytes = await File.ReadAllBytesAsync(file);
        var firstLineEnd = Array.IndexOf(bytes, (byte)'\n');
        Assert.Equal(delivery.Body.ToArray(), bytes.AsSpan(firstLineEnd + 1, delivery.Body.Length).ToArray());
        Assert.Equal(bytes.Length, firstLineEnd + 1 + delivery.Body.Length + 1);
        var stored = await Backend().Inbox.GetAsync(delivery.DeliveryId, default);
        Assert.Equal(delivery.Body.ToArray(), stored!.Delivery.Body.ToArray());
        Assert.Equal(DeliveryState.Pending, stored.State);
    }

    [Fact]
    public async Task A_body_whose_lines_look_like_state_documents_never_changes_the_state()
    {
        var inbox = Backend().Inbox;
        var pending = NewDelivery();
        await inbox.AcceptAsync(pending, default);
        var stateLike = File.ReadAllLines(StatePath(pending))[0].Replace("\"Pending\"", "\"Completed\"", StringComparison.Ordinal);
        var tricky = NewDelivery(System.Text.Encoding.UTF8.GetBytes($"{{\"x\":1}}\n{stateLike}\n{stateLike}"));

        await inbox.AcceptAsync(tricky, default);

        var listed = await Backend().Inbox.ListPendingAsync(default);
        Assert.Equal(new[] { pending.DeliveryId, tricky.DeliveryId }.Order(StringComparer.Ordinal), listed.Select(p => p.Delivery.DeliveryId).Order(StringComparer.Ordinal));
        var stored = await Backend().Inbox.GetAsync(tricky.DeliveryId, default);
        Assert.Equal(DeliveryState.Pending, stored!.State);
        Assert.Equal(tricky.Body.ToArray(), stored.Delivery.Body.ToArray());
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
        Assert.Equal(4, lines.Length); // accepted document, body, two updates
        Assert.Contains("\"state\":\"Pending\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("GitHub answered 502", lines[2], StringComparison.Ordinal);
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
        Assert.Equal(4, lines.Length);
        Assert.EndsWith("\"state\":\"Compl", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entry_written_before_2026_12_03_with_a_separate_body_file_reads_and_updates()
    {
        var body = """{"ref":"refs/heads/main"}"""u8.ToArray();
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        var id = Guid.NewGuid().ToString();
        Directory.CreateDirectory(DeliveriesFolder);
        await File.WriteAllBytesAsync(Path.Combine(DeliveriesFolder, $"{id}.{sha}.body"), body);
        // The state file as it was written then: one document, no newline.
        await File.WriteAllTextAsync(Path.Combine(DeliveriesFolder, $"{id}.json"),
            $$"""{"deliveryId":"{{id}}","event":"push","action":null,"installationId":1,"repository":"o/r","receivedAt":"2026-12-01T00:00:00+00:00","bodyFile":"{{id}}.{{sha}}.body","bodySha256":"{{sha}}","bodyLength":{{body.Length}},"state":"Pending","attempts":0,"lastError":null}""");

        var pending = Assert.Single(await Backend().Inbox.ListPendingAsync(default));
        Assert.Equal(body, pending.Delivery.Body.ToArray());
        await Backend().Inbox.MarkCompletedAsync(id, default);

        var stored = await Backend().Inbox.GetAsync(id, default);
        Assert.Equal(DeliveryState.Completed, stored!.State);
        Assert.Equal(body, stored.Delivery.Body.ToArray());
        Assert.Equal(2, (await File.ReadAllLinesAsync(Path.Combine(DeliveriesFolder, $"{id}.json"))).Length);
        Assert.Equal(InboxAcceptOutcome.Duplicate, await Backend().Inbox.AcceptAsync(
            new InboundDelivery(id, "push", null, 1, "o/r", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), body), default));
    }

    [Fact]
    public async Task A_state_file_with_no_complete_document_is_quarantined_saying_so()
    {
        var inbox = Backend().Inbox;
        var delivery = NewDelivery();
        await inbox.AcceptAsync(delivery, default);
        await File.WriteAllTextAsync(StatePath(delivery), "{\"deliveryId\":");

        Assert.Null(await Backend().Inbox.GetAsync(delivery.DeliveryId, default));
        var quarantined = Assert.Single(await inbox.ListQuarantinedAsync(default));
        Assert.Contains("holds no complete state document", quarantined.Reason, StringComparison.Ordinal);
        Assert.Equal("{\"deliveryId\":", await File.ReadAllTextAsync(quarantined.Location));
    }

    [Fact]
    public async Task A_file_shorter_than_its_recorded_body_is_quarantined_saying_so()
    {
        var inbox = Backend().Inbox;
        var delivery = NewDelivery();
        await inbox.AcceptAsync(delivery, default);
        var path = StatePath(delivery);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..^10]);

        var pending = await Backend().Inbox.ListPendingAsync(default);

        Assert.Empty(pending);
        var quarantined = Assert.Single(pending.Quarantined);
        Assert.Contains("is shorter than the", quarantined.Reason, StringComparison.Ordinal);
        Assert.Equal(bytes[..^10], await File.ReadAllBytesAsync(quarantined.Location));
    }

    [Fact]
    public async Task An_entry_naming_another_delivery_is_quarantined()
    {
        var inbox = Backend().Inbox;
        var delivery = NewDelivery();
        await inbox.AcceptAsync(delivery, default);
        var other = Guid.NewGuid().ToString();
        var path = StatePath(delivery);
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace(delivery.DeliveryId, other, StringComparison.Ordinal));

        Assert.Null(await inbox.GetAsync(delivery.DeliveryId, default));
        Assert.Contains($"names delivery '{other}'", Assert.Single(await inbox.ListQuarantinedAsync(default)).Reason, StringComparison.Ordinal);
    }

    private string DeliveriesFolder => Path.Combine(_root, "deliveries");

    private string StatePath(InboundDelivery delivery) =>
        Directory.GetFiles(DeliveriesFolder, "*.json").Single(f => File.ReadAllText(f).Contains(delivery.DeliveryId, StringComparison.Ordinal));

    private static InboundDelivery NewDelivery(byte[]? body = null) =>
        new(Guid.NewGuid().ToString(), "push", null, 1, "o/r", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), body ?? """{"ref":"refs/heads/main"}"""u8.ToArray());

    protected override void DisposeStorage() => TestStorage.DeleteTempRoot(_root);
}
