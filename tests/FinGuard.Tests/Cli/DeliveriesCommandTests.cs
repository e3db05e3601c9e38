using System.Text;
using FinGuard.Cli;
using FinGuard.Core.Deliveries;
using FinGuard.Storage;
using FinGuard.Testing.Azurite;
using FinGuard.Tests.EndToEnd;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace FinGuard.Tests.Cli;

/// <summary>
/// <c>finguard deliveries list|show|retry|quarantine</c> against a store written by the real inbox, on the local folder
/// and on Azurite: what an operator sees and can do about pending, failed and quarantined deliveries.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class DeliveriesCommandTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 12, 7, 9, 30, 0, TimeSpan.Zero);
    private readonly string folder = TempDirectory.Create();
    private readonly string suffix = Guid.NewGuid().ToString("N")[..12];

    public void Dispose() => TempDirectory.Delete(folder);

    private string[] Switches(string backend) => backend == "local"
        ? [$"--Storage:LocalPath={folder}"]
        : [$"--Storage:ConnectionString={azurite.ConnectionString}", $"--Storage:DeliveriesContainer=dl-{suffix}", $"--Storage:EvidenceContainer=ev-{suffix}", $"--Storage:TablePrefix=t{suffix}"];

    private async Task<(int Exit, string Out, string Err)> RunAsync(string backend, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await FinGuardCommandLine.RunAsync(["deliveries", .. args, .. Switches(backend)], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The inbox the server would open with the same switches.</summary>
    private ServiceProvider Storage(string backend)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(Switches(backend)).Build();
        return new ServiceCollection().AddLogging().AddFinGuardStorage(configuration).BuildServiceProvider();
    }

    private static InboundDelivery Delivery(string body = """{"action":"opened","number":7}""") =>
        new(Guid.NewGuid().ToString(), "pull_request", "opened", 42, "octo-org/payments", ReceivedAt, Encoding.UTF8.GetBytes(body));

    [Theory]
    [InlineData("local")]
    [InlineData("azure")]
    public async Task An_operator_lists_shows_quarantines_and_retries_deliveries(string backend)
    {
        var (pending, failed) = (Delivery(), Delivery());
        await using (var storage = Storage(backend))
        {
            var inbox = storage.GetRequiredService<IDeliveryInbox>();
            await inbox.AcceptAsync(pending, CancellationToken.None);
            await inbox.AcceptAsync(failed, CancellationToken.None);
            await inbox.MarkFailedAsync(failed.DeliveryId, "InvalidOperationException: payload has no repository", permanent: true, CancellationToken.None);
        }

        var (exit, output, error) = await RunAsync(backend, "list");
        Assert.True(exit == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("STATE", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("pending", StringComparison.Ordinal) && l.Contains(pending.DeliveryId, StringComparison.Ordinal) && l.Contains("pull_request.opened  2026-12-07T09:30:00Z", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("failed", StringComparison.Ordinal) && l.Contains(failed.DeliveryId, StringComparison.Ordinal) && l.EndsWith("payload has no repository", StringComparison.Ordinal));

        (exit, output, _) = await RunAsync(backend, "show", failed.DeliveryId);
        Assert.Equal(0, exit);
        Assert.Contains("State:       failed after 1 attempt(s)", output, StringComparison.Ordinal);
        Assert.Contains("Repository:  octo-org/payments", output, StringComparison.Ordinal);
        Assert.Contains($"{failed.Body.Length} bytes, SHA-256 ", output, StringComparison.Ordinal);
        (_, output, _) = await RunAsync(backend, "show", failed.DeliveryId, "--body");
        Assert.Equal("""{"action":"opened","number":7}""", output);

        // Set aside, and back.
        (exit, output, error) = await RunAsync(backend, "quarantine", pending.DeliveryId, "--reason", "investigating INC-42");
        Assert.True(exit == 0, error);
        Assert.Contains($"Delivery {pending.DeliveryId} is quarantined (investigating INC-42)", output, StringComparison.Ordinal);
        (_, output, _) = await RunAsync(backend, "list", "--state", "pending");
        Assert.Equal("No pending deliveries.", output.Trim());
        (_, output, _) = await RunAsync(backend, "list", "--state=quarantined");
        Assert.Contains(output.Split('\n'), l => l.StartsWith("quarantined", StringComparison.Ordinal) && l.Contains(pending.DeliveryId, StringComparison.Ordinal) && l.TrimEnd().EndsWith("investigating INC-42", StringComparison.Ordinal));
        (exit, output, _) = await RunAsync(backend, "show", pending.DeliveryId);
        Assert.Equal(0, exit);
        Assert.Contains("Quarantined: ", output, StringComparison.Ordinal);
        Assert.Contains("investigating INC-42", output, StringComparison.Ordinal);

        (exit, output, error) = await RunAsync(backend, "retry", pending.DeliveryId);
        Assert.True(exit == 0, error);
        Assert.Contains("is back from quarantine, pending", output, StringComparison.Ordinal);
        (exit, output, error) = await RunAsync(backend, "retry", failed.DeliveryId);
        Assert.True(exit == 0, error);
        Assert.Contains("is pending again", output, StringComparison.Ordinal);

        await using (var storage = Storage(backend))
        {
            var listed = await storage.GetRequiredService<IDeliveryInbox>().ListPendingAsync(CancellationToken.None);
            Assert.Equal(new[] { pending.DeliveryId, failed.DeliveryId }.Order(), listed.Select(d => d.Delivery.DeliveryId).Order());
            Assert.All(listed, d => Assert.Equal(0, d.Attempts));
        }

        (exit, _, error) = await RunAsync(backend, "retry", Guid.NewGuid().ToString());
        Assert.Equal(1, exit);
        Assert.Contains("is stored or quarantined; nothing changed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listing_quarantines_a_corrupt_delivery_and_says_so()
    {
        var corrupt = Delivery();
        await using (var storage = Storage("local"))
        {
            await storage.GetRequiredService<IDeliveryInbox>().AcceptAsync(corrupt, CancellationToken.None);
        }

        var path = Path.Combine(folder, "deliveries", corrupt.DeliveryId + ".json");
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^5] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var (exit, output, error) = await RunAsync("local", "list");

        Assert.True(exit == 0, error);
        Assert.Contains($"Quarantined now: {corrupt.DeliveryId}: The body of delivery '{corrupt.DeliveryId}' does not match its recorded SHA-256.", output, StringComparison.Ordinal);
        Assert.Contains(output.Split('\n'), l => l.StartsWith("quarantined", StringComparison.Ordinal) && l.Contains(corrupt.DeliveryId, StringComparison.Ordinal));
        Assert.True(File.Exists(Assert.Single(Directory.GetFiles(Path.Combine(folder, "deliveries", "quarantine"), corrupt.DeliveryId + ".*.json"), f => !f.EndsWith(".reason.json", StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData(new[] { "list", "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "show" }, "give exactly one delivery id")]
    [InlineData(new[] { "list", "--state", "done" }, "--state must be one of pending, failed, quarantined, all")]
    [InlineData(new[] { "retry", "../escape" }, "is not a delivery id")]
    [InlineData(new[] { "purge", "x" }, "unknown subcommand 'purge'")]
    public async Task Bad_usage_exits_2_saying_what_is_wrong(string[] args, string expected)
    {
        var (exit, _, error) = await RunAsync("local", args);

        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
