using System.Runtime;
using System.Runtime.InteropServices;
using FinGuard.Benchmarks;
using FinGuard.Benchmarks.EndToEnd;
using FinGuard.Benchmarks.Evaluation;
using FinGuard.Benchmarks.Ingestion;
using FinGuard.Benchmarks.Load;
using FinGuard.Benchmarks.Parsing;
using FinGuard.Benchmarks.Reporting;

// dotnet run -c Release --project bench/FinGuard.Benchmarks -- [ingestion|e2e|evaluation|parsing|all] [--quick]
var options = BenchmarkRunOptions.Parse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine(BenchmarkRunOptions.Usage);
    return 2;
}

// Every suite sends GitHub's recorded payloads or serves its API description, both from node_modules.
if (FinGuard.Testing.NpmPackages.WhatIsMissing() is { } missing)
{
    Console.Error.WriteLine($"error: {missing}");
    return 2;
}

#if DEBUG
Console.Error.WriteLine("warning: a Debug build; run with -c Release for figures worth comparing.");
#endif

Console.WriteLine($"# FinGuard benchmarks ({string.Join(", ", options.Selected)}{(options.Quick ? ", quick" : "")})");
Console.WriteLine();
Console.WriteLine($"{TimeProvider.System.GetLocalNow():yyyy-MM-dd HH:mm zzz}; {Environment.ProcessorCount} cores; {RuntimeInformation.FrameworkDescription}; " +
    $"{RuntimeInformation.OSDescription}; {(GCSettings.IsServerGC ? "server" : "workstation")} GC; load average {MachineLoad.Describe()}. Clients and servers share this machine.");
Console.WriteLine();
if (options.Selected.Contains("ingestion") || options.Selected.Contains("e2e"))
{
    Directory.CreateDirectory(options.StoreParent);
    Console.WriteLine($"FinGuard's local stores go to {options.StoreParent} (--store); file creation there: " +
        $"{FileCreationCost.Describe(options.StoreParent, out var storeMicroseconds)}; in the system temporary folder: {FileCreationCost.Describe(Path.GetTempPath())}.");
    Console.WriteLine($"Disk: {FsyncLatency.Describe(options.StoreParent)}.");
    if (storeMicroseconds > FileCreationCost.SlowMicroseconds)
    {
        Console.WriteLine();
        Console.WriteLine($"**Warning**: creating a file in the store's folder costs more than {FileCreationCost.SlowMicroseconds:0} µs, so the figures " +
            "below measure this file system's state more than FinGuard (bench/README.md, \"Where the stores go\"). On ext4 without a " +
            "journal, after many deletions: `sync; echo 2 | sudo tee /proc/sys/vm/drop_caches`, or `--store` on another file system.");
    }

    Console.WriteLine();
}

foreach (var suite in options.Selected)
{
    switch (suite)
    {
        case "ingestion":
            await IngestionBenchmark.RunAsync(options);
            break;
        case "e2e":
            await EndToEndBenchmark.RunAsync(options);
            break;
        case "evaluation":
            EvaluationSuite.Run(options);
            break;
        case "parsing":
            ParsingSuite.Run(options);
            break;
        case "merkle":
            FinGuard.Benchmarks.Merkle.MerkleBenchmark.Run(options);
            break;
        case BenchmarkRunOptions.ColdStart:
            await FinGuard.Benchmarks.ColdStart.ColdStartBenchmark.RunAsync(options);
            break;
    }

    Console.WriteLine($"machine load average (1/5/15 min) after {suite}: {MachineLoad.Describe()}");
    Console.WriteLine();
}

FinGuardServer.DeleteStores();
return 0;
