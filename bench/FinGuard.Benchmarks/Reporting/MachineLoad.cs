namespace FinGuard.Benchmarks.Reporting;

/// <summary>
/// The machine's load average (Linux <c>/proc/loadavg</c>): on a shared 2-core machine, other processes (builds,
/// test runs) take cores from the benchmark, and a result is only comparable with its load printed next to it.
/// </summary>
public static class MachineLoad
{
    public static string Describe()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{fields[0]} / {fields[1]} / {fields[2]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
