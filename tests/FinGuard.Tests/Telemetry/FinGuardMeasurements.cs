using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using FinGuard.Telemetry;

namespace FinGuard.Tests.Telemetry;

/// <summary>One measurement of a FinGuard instrument, tags as invariant strings.</summary>
public sealed record RecordedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags)
{
    public bool Has(string tag, string value) => Tags.TryGetValue(tag, out var actual) && actual == value;
}

/// <summary>
/// Listens to the <c>FinGuard</c> meter of one host only (its <see cref="IMeterFactory"/> is the meter's scope), so the
/// tests running in parallel in this process never see each other's measurements.
/// </summary>
public sealed class FinGuardMeasurements : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> measurements = new();

    public FinGuardMeasurements(IServiceProvider services)
    {
        var scope = services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FinGuardTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.Start();
    }

    public IReadOnlyList<RecordedMeasurement> All => [.. measurements];

    public IReadOnlyList<RecordedMeasurement> Of(string instrument) => [.. measurements.Where(m => m.Instrument == instrument)];

    public double Sum(string instrument, params (string Tag, string Value)[] tags) =>
        Of(instrument).Where(m => tags.All(t => m.Has(t.Tag, t.Value))).Sum(m => m.Value);

    /// <summary>Reads the observable instruments (the rate-limit gauge) now.</summary>
    public IReadOnlyList<RecordedMeasurement> Observe(string instrument)
    {
        var before = measurements.Count;
        listener.RecordObservableInstruments();
        return [.. measurements.Skip(before).Where(m => m.Instrument == instrument)];
    }

    public void Dispose() => listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags)
        {
            copy[key] = Convert.ToString(tagValue, CultureInfo.InvariantCulture)?.ToLowerInvariant();
        }

        measurements.Enqueue(new RecordedMeasurement(instrument.Name, value, copy));
    }
}
