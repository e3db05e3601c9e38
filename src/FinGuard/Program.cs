using FinGuard.Cli;

return await FinGuardCommandLine.RunAsync(args, Console.Out, Console.Error);
