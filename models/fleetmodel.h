#pragma once
// FleetModel: written next (see docs/ARCHITECTURE.md).
