using System.Diagnostics.Tracing;
using System.Globalization;

namespace FinGuard.Benchmarks.Reporting;

/// <summary>
/// <c>--allocations</c>: which types the process allocates, from the runtime's own sampling (the <c>GCAllocationTick</c>
/// event fires about every 100 KB allocated and names the type that crossed the mark), so a type's share of the events
/// estimates its share of the bytes. Cheap enough to leave on during a measured phase, and it needs no profiler: the
/// starting point for cutting allocation per delivery.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const long GcKeyword = 0x1;
    private readonly Dictionary<string, (long Events, long Bytes)> types = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private bool recording;

    public void Start()
    {
        lock (gate)
        {
            types.Clear();
            recording = true;
        }
    }

    /// <summary>Stops recording and prints the <paramref name="top"/> types by sampled bytes.</summary>
    public void Report(string title, int top = 25)
    {
        List<KeyValuePair<string, (long Events, long Bytes)>> rows;
        long total;
        lock (gate)
        {
            recording = false;
            rows = [.. types.OrderByDescending(t => t.Value.Bytes).Take(top)];
            total = Math.Max(1, types.Values.Sum(v => v.Bytes));
        }

        Console.WriteLine($"### Allocations sampled: {title}");
        Console.WriteLine();
        var table = new ConsoleTable("type", "samples", "share of sampled bytes");
        foreach (var (type, (events, bytes)) in rows)
        {
            table.Add(type, events, string.Create(CultureInfo.InvariantCulture, $"{100.0 * bytes / total:0.0} %"));
        }

        table.Write();
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        ArgumentNullException.ThrowIfNull(eventSource);
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal)
            || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        var type = eventData.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var bytes = eventData.PayloadNames.IndexOf("AllocationAmount64") is var b and >= 0 ? Convert.ToInt64(eventData.Payload[b], CultureInfo.InvariantCulture) : 100_000;
        lock (gate)
        {
            if (!recording)
            {
                return;
            }

            types[type] = types.TryGetValue(type, out var current) ? (current.Events + 1, current.Bytes + bytes) : (1, bytes);
        }
    }
}
