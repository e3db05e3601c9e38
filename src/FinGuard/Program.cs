using FinGuard.Cli;
using FinGuard.Functions;

// Started by the Azure Functions host (its worker arguments): the isolated worker; otherwise `finguard serve` or the CLI.
return IsolatedWorkerHost.IsStartedByFunctionsHost(args)
    ? await IsolatedWorkerHost.RunAsync(args)
    : await FinGuardCommandLine.RunAsync(args, Console.Out, Console.Error);
