import Foundation
import GRUCLI

exit(GRUCommand.run())
