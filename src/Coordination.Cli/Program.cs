return await Coordination.Cli.CliApp.RunAsync(args);
