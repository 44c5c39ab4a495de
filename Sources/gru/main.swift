import GRUCLI

GRUCommand.main()
