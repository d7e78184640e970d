import Foundation
import Tensors
import Testing
@testable import Training

@Suite struct OptimizerTests {
    /// `fixtures/training/adamw_step.json` (tools/make_training_fixtures.py): torch.optim.AdamW, two steps
    /// on stored parameters and gradients, one tensor decayed and one not.
    @Test func adamWStepsMatchPyTorch() throws {
        struct Fixture: Decodable {
            struct Parameter: Decodable {
                let name: String
                let shape: [Int]
                let decay: Bool
                let initial: [Float]
                let gradients: [[Float]]
                let after: [[Float]]
            }
            let lr: [Double]
            let beta1: Double, beta2: Double, eps: Double
            let weight_decay: Double
            let parameters: [Parameter]
        }
        let data = try Data(contentsOf: trainingFixtures.appendingPathComponent("adamw_step.json"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: data)
        var optimizer = AdamW(hyperparameters: .init(beta1: fixture.beta1, beta2: fixture.beta2, eps: fixture.eps,
                                                     weightDecay: fixture.weight_decay))
        var parameters: [String: Tensor] = [:]
        for p in fixture.parameters { parameters[p.name] = try Tensor(shape: p.shape, storage: p.initial) }
        let decayed = Set(fixture.parameters.filter(\.decay).map(\.name))
        for (step, lr) in fixture.lr.enumerated() {
            var gradients: [String: Tensor] = [:]
            for p in fixture.parameters { gradients[p.name] = try Tensor(shape: p.shape, storage: p.gradients[step]) }
            try optimizer.update(&parameters, gradients: gradients, lr: lr, decayed: decayed)
            for p in fixture.parameters {
                let ours = parameters[p.name]!.storage
                let worst = zip(ours, p.after[step]).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-6, "step \(step + 1), \(p.name): max |Δ| \(worst)")
            }
        }
        #expect(optimizer.step == fixture.lr.count)
    }

    @Test func warmUpThenCosineDecay() {
        let schedule = LearningRateSchedule(peak: 1e-3, minimum: 1e-4, warmupSteps: 10, totalSteps: 110)
        #expect(abs(schedule.rate(at: 0) - 1e-4) < 1e-12)
        #expect(abs(schedule.rate(at: 9) - 1e-3) < 1e-12)
        #expect(abs(schedule.rate(at: 10) - 1e-3) < 1e-12)
        #expect(abs(schedule.rate(at: 109) - 1e-4) < 1e-12)
        let middle = schedule.rate(at: 10 + 99 / 2)
        #expect(middle > 5.4e-4 && middle < 5.6e-4)
        #expect((10..<109).allSatisfy { schedule.rate(at: $0) >= schedule.rate(at: $0 + 1) })
    }

    @Test func clippingScalesToTheMaximumGlobalNorm() throws {
        var gradients = ["a": try Tensor(shape: [2], storage: [3, 0]), "b": try Tensor(shape: [1], storage: [4])]
        let norm = try clipGradientNorm(&gradients, maxNorm: 1)
        #expect(abs(norm - 5) < 1e-9)
        #expect(abs(gradients["a"]!.storage[0] - 0.6) < 1e-5 && abs(gradients["b"]!.storage[0] - 0.8) < 1e-5)
        var small = ["a": try Tensor(shape: [1], storage: [0.5])]
        #expect(try clipGradientNorm(&small, maxNorm: 1) == 0.5)
        #expect(small["a"]!.storage == [0.5])
    }
}
