using System.Globalization;
using System.Text;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Storage;
using Microsoft.Extensions.Options;

namespace FinGuard.Cli;

/// <summary>
/// <c>finguard deliveries list|show|retry|quarantine</c>: the operator's view of the delivery inbox, on either backend
/// (docs/operations.md, "Quarantined deliveries"). Exit codes: 0 done; 1 the delivery is not there, or the change was
/// refused (already completed, stored again); 2 bad usage or storage that cannot be opened.
/// </summary>
public static class DeliveriesCommand
{
    public const string Usage = CommandHelp.Deliveries;

    private static readonly string[] States = ["pending", "failed", "quarantined", "all"];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var subcommand = args.FirstOrDefault();
        if (subcommand is null or "help" or "--help" or "-h")
        {
            await (subcommand is null ? stderr : stdout).WriteLineAsync(subcommand is null ? $"finguard deliveries: missing subcommand.{Environment.NewLine}{Usage}" : Usage);
            return subcommand is null ? 2 : 0;
        }

        if (subcommand is not ("list" or "show" or "retry" or "quarantine"))
        {
            await stderr.WriteLineAsync($"finguard deliveries: unknown subcommand '{subcommand}'.{Environment.NewLine}{Usage}");
            return 2;
        }

        CommandArguments options;
        try
        {
            options = CommandArguments.Parse(args[1..], valueOptions: subcommand switch
            {
                "list" => ["--state"],
                "quarantine" => ["--reason"],
                _ => [],
            }, flagOptions: subcommand == "show" ? ["--body"] : []);
            if (options.Value("--state") is { } state && !States.Contains(state))
            {
                throw new CommandUsageException($"--state must be one of {string.Join(", ", States)}, not '{state}'.");
            }

            if ((subcommand == "list") != (options.Positionals.Count == 0) || options.Positionals.Count > 1)
            {
                throw new CommandUsageException(subcommand == "list" ? $"unexpected argument '{options.Positionals[0]}'." : "give exactly one delivery id.");
            }
        }
        catch (CommandUsageException ex)
        {
            await stderr.WriteLineAsync($"finguard deliveries {subcommand}: {ex.Message}{Environment.NewLine}{Usage}");
            return 2;
        }

        await using var provider = OpenStorage(options.ConfigurationSwitches);
        IDeliveryInbox inbox;
        try
        {
            _ = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            inbox = provider.GetRequiredService<IDeliveryInbox>();
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            await stderr.WriteLineAsync($"finguard deliveries {subcommand}: storage is not configured correctly: {ex.Message}");
            return 2;
        }

        try
        {
            return subcommand switch
            {
                "list" => await ListAsync(inbox, options.Value("--state") ?? "all", stdout),
                "show" => await ShowAsync(inbox, options.Positionals[0], options.Flag("--body"), stdout, stderr),
                "retry" => await RetryAsync(inbox, options.Positionals[0], stdout, stderr),
                _ => await QuarantineAsync(inbox, options.Positionals[0], options.Value("--reason") ?? "set aside by an operator", stdout, stderr),
            };
        }
        catch (ArgumentException ex) when (ex.ParamName == "deliveryId")
        {
            await stderr.WriteLineAsync($"finguard deliveries {subcommand}: '{options.Positionals[0]}' is not a delivery id: {ex.Message}");
            return 2;
        }
    }

    private static async Task<int> ListAsync(IDeliveryInbox inbox, string state, TextWriter stdout)
    {
        var rows = new List<string[]>();
        var quarantinedNow = new List<QuarantinedDelivery>();
        if (state is "pending" or "all")
        {
            var pending = await inbox.ListPendingAsync(CancellationToken.None);
            quarantinedNow.AddRange(pending.Quarantined);
            rows.AddRange(pending.Select(d => Row(d, "pending")));
        }

        if (state is "failed" or "all")
        {
            rows.AddRange((await inbox.ListFailedAsync(CancellationToken.None)).Select(d => Row(d, "failed")));
        }

        if (state is "quarantined" or "all")
        {
            rows.AddRange((await inbox.ListQuarantinedAsync(CancellationToken.None)).Select(q => new[]
            {
                "quarantined", q.DeliveryId, "", Instant(q.QuarantinedAt), "", "", OneLine(q.Reason),
            }));
        }

        foreach (var entry in quarantinedNow)
        {
            await stdout.WriteLineAsync($"Quarantined now: {entry.DeliveryId}: {OneLine(entry.Reason)} (moved to {entry.Location})");
        }

        if (rows.Count == 0)
        {
            await stdout.WriteLineAsync($"No {(state == "all" ? "pending, failed or quarantined" : state)} deliveries.");
            return 0;
        }

        await stdout.WriteAsync(Table(["STATE", "DELIVERY", "EVENT", "AT", "ATTEMPTS", "REPOSITORY", "LAST ERROR / REASON"], rows));
        return 0;
    }

    private static string[] Row(StoredDelivery stored, string state) =>
    [
        state,
        stored.Delivery.DeliveryId,
        stored.Delivery.Action is null ? stored.Delivery.Event : $"{stored.Delivery.Event}.{stored.Delivery.Action}",
        Instant(stored.Delivery.ReceivedAt),
        stored.Attempts.ToString(CultureInfo.InvariantCulture),
        stored.Delivery.Repository ?? "",
        OneLine(stored.LastError ?? ""),
    ];

    private static async Task<int> ShowAsync(IDeliveryInbox inbox, string id, bool body, TextWriter stdout, TextWriter stderr)
    {
        var stored = await inbox.GetAsync(id, CancellationToken.None);
        var quarantined = (await inbox.ListQuarantinedAsync(CancellationToken.None))
            .Where(q => string.Equals(q.DeliveryId, id, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (stored is null && quarantined.Count == 0)
        {
            await stderr.WriteLineAsync($"finguard deliveries show: no delivery '{id}' is stored or quarantined.");
            return 1;
        }

        if (stored is not null)
        {
            var delivery = stored.Delivery;
            if (body)
            {
                // The body alone, nothing around it, so that it can be saved or piped (ingress stores only valid UTF-8).
                await stdout.WriteAsync(Encoding.UTF8.GetString(delivery.Body.Span));
                return 0;
            }

            await stdout.WriteLineAsync($"Delivery:    {delivery.DeliveryId}");
            await stdout.WriteLineAsync($"Event:       {(delivery.Action is null ? delivery.Event : $"{delivery.Event}.{delivery.Action}")}");
            await stdout.WriteLineAsync($"Repository:  {delivery.Repository ?? "(none)"}");
            await stdout.WriteLineAsync($"Installation: {delivery.InstallationId?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}");
            await stdout.WriteLineAsync($"Received:    {Instant(delivery.ReceivedAt)}");
            await stdout.WriteLineAsync($"State:       {stored.State.ToString().ToLowerInvariant()} after {stored.Attempts} attempt(s)");
            await stdout.WriteLineAsync($"Last error:  {stored.LastError ?? "(none)"}");
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Body:        {delivery.Body.Length} bytes, SHA-256 {CanonicalJson.Sha256Hex(delivery.Body.Span)} (--body prints it)"));
        }
        else if (body)
        {
            await stderr.WriteLineAsync($"finguard deliveries show: delivery '{id}' is quarantined; its stored bytes are at the location below.");
        }

        foreach (var entry in quarantined)
        {
            await stdout.WriteLineAsync($"Quarantined: {Instant(entry.QuarantinedAt)}: {entry.Reason}");
            await stdout.WriteLineAsync($"             at {entry.Location}");
        }

        return stored is null && body ? 1 : 0;
    }

    private static async Task<int> RetryAsync(IDeliveryInbox inbox, string id, TextWriter stdout, TextWriter stderr)
    {
        var outcome = await inbox.RetryAsync(id, CancellationToken.None);
        var (exit, message) = outcome switch
        {
            DeliveryRetryOutcome.MadePending => (0, $"Delivery {id} is pending again (attempts reset); the redelivery sweep processes it within about 10 minutes."),
            DeliveryRetryOutcome.Restored => (0, $"Delivery {id} is back from quarantine, pending (attempts reset); the redelivery sweep processes it within about 10 minutes. If it cannot be read back it is quarantined again."),
            DeliveryRetryOutcome.AlreadyPending => (0, $"Delivery {id} is already pending; nothing changed."),
            DeliveryRetryOutcome.AlreadyCompleted => (1, $"Delivery {id} was processed to completion; nothing changed. To have FinGuard decide again, redeliver it from the App's advanced settings."),
            DeliveryRetryOutcome.StoredAgain => (1, $"Delivery {id} is quarantined, but GitHub has redelivered it and the new copy is stored; nothing changed, and the quarantined entry stays for investigation."),
            _ => (1, $"No delivery '{id}' is stored or quarantined; nothing changed. If GitHub sent it, redeliver it from the App's advanced settings."),
        };
        await (exit == 0 ? stdout : stderr).WriteLineAsync(exit == 0 ? message : $"finguard deliveries retry: {message}");
        return exit;
    }

    private static async Task<int> QuarantineAsync(IDeliveryInbox inbox, string id, string reason, TextWriter stdout, TextWriter stderr)
    {
        if (await inbox.QuarantineAsync(id, reason, CancellationToken.None) is not { } entry)
        {
            await stderr.WriteLineAsync($"finguard deliveries quarantine: no delivery '{id}' is stored; nothing changed.");
            return 1;
        }

        await stdout.WriteLineAsync($"Delivery {entry.DeliveryId} is quarantined ({entry.Reason}), moved to {entry.Location}. 'finguard deliveries retry {entry.DeliveryId}' puts it back.");
        return 0;
    }

    /// <summary>Storage configured like <c>finguard serve</c> (appsettings.json, environment, then switches), read-write.</summary>
    private static ServiceProvider OpenStorage(IReadOnlyList<string> switches)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. switches])
            .Build();
        return new ServiceCollection().AddLogging().AddFinGuardStorage(configuration).BuildServiceProvider();
    }

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length > 120 ? line[..117] + "..." : line;
    }

    private static string Table(string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var output = new StringBuilder();
        foreach (var row in rows.Prepend(header))
        {
            output.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }

        return output.ToString();
    }
}
