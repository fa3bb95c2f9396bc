Console.Error.WriteLine("coordctl: not built yet");
return 2;
