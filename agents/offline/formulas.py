"""Well-known formulas the offline model can show, keyed by the words that name them.

Order matters: the first entry whose key occurs in the (normalised) text wins, so specific
names come before generic ones ("stokes' theorem" before "stokes").
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.offline.text import mentions

__all__ = ["FORMULAS", "Formula", "find_formula"]


@dataclass(frozen=True)
class Formula:
    """A formula as up to three MathTex steps, with one sentence that reads it aloud."""

    keys: tuple[str, ...]
    steps: tuple[str, ...]
    meaning: str


FORMULAS: tuple[Formula, ...] = (
    Formula(
        ("pythagor",),
        (r"a^2 + b^2 = c^2", r"c = \sqrt{a^2 + b^2}", r"3^2 + 4^2 = 5^2"),
        "In a right triangle the squares on the two legs add up to the square on the hypotenuse.",
    ),
    Formula(
        ("de moivre",),
        (r"(\cos\theta + i\sin\theta)^n = \cos n\theta + i\sin n\theta",),
        "Raising a unit complex number to the n-th power multiplies its angle by n.",
    ),
    Formula(
        ("euler's formula", "euler formula", "euler's identity", "euler identity"),
        (r"e^{i\theta} = \cos\theta + i\sin\theta", r"e^{i\pi} + 1 = 0"),
        "The exponential of an imaginary angle walks around the unit circle.",
    ),
    Formula(
        ("bayes",),
        (r"P(A \mid B) = \frac{P(B \mid A)\,P(A)}{P(B)}",),
        "The evidence updates the prior belief into the posterior belief.",
    ),
    Formula(
        ("quadratic",),
        (r"ax^2 + bx + c = 0", r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}"),
        "Every quadratic equation is solved by the same closed-form expression.",
    ),
    Formula(
        ("second law of motion", "newton's second", "second law of newton", "f = ma", "f=ma"),
        (r"F = m\,a", r"a = \frac{F}{m}"),
        "The net force on a body equals its mass times its acceleration.",
    ),
    Formula(
        ("first law of motion", "newton's first", "inertia"),
        (r"\sum \vec{F} = 0 \;\Rightarrow\; \vec{v} = \text{constant}",),
        "Without a net force, a body keeps its velocity.",
    ),
    Formula(
        ("e=mc", "e = mc", "mass-energy", "mass energy"),
        (r"E = mc^2",),
        "Mass and energy are two forms of the same thing, linked by the speed of light squared.",
    ),
    Formula(
        ("ohm",),
        (r"V = I\,R", r"I = \frac{V}{R}"),
        "The current through a resistor is the voltage across it divided by its resistance.",
    ),
    Formula(
        ("ideal gas",),
        (r"PV = nRT",),
        "Pressure times volume is proportional to the amount of gas and its temperature.",
    ),
    Formula(
        ("van der waals",),
        (r"\left(P + \frac{a n^2}{V^2}\right)(V - nb) = nRT",),
        "Real gases correct the ideal gas law for attraction and molecular volume.",
    ),
    Formula(
        ("laws of exponents", "exponent law", "law of exponents", "exponent rule"),
        (r"a^m \cdot a^n = a^{m+n}", r"\left(a^m\right)^n = a^{mn}", r"a^{-n} = \frac{1}{a^n}"),
        "Multiplying powers adds exponents, and a power of a power multiplies them.",
    ),
    Formula(
        ("heron",),
        (r"s = \frac{a + b + c}{2}", r"A = \sqrt{s(s-a)(s-b)(s-c)}"),
        "The area of a triangle follows from its three side lengths alone.",
    ),
    Formula(
        ("geometric sequence", "geometric series", "geometric progression"),
        (r"a_n = a_1\, r^{\,n-1}", r"S_n = a_1\,\frac{1 - r^n}{1 - r}"),
        "Each term is the previous one times a fixed ratio.",
    ),
    Formula(
        ("arithmetic sequence", "arithmetic series", "arithmetic progression"),
        (r"a_n = a_1 + (n-1)\,d", r"S_n = \frac{n}{2}\,(a_1 + a_n)"),
        "Each term is the previous one plus a fixed difference.",
    ),
    Formula(
        ("permutation",),
        (r"P(n, k) = \frac{n!}{(n-k)!}",),
        "The number of ordered arrangements of k items chosen from n.",
    ),
    Formula(
        ("binomial",),
        (r"(a + b)^n = \sum_{k=0}^{n} \binom{n}{k} a^{n-k} b^{k}",),
        "Expanding a power of a sum counts the ways to pick each term.",
    ),
    Formula(
        ("hooke",),
        (r"F = -k\,x",),
        "A spring pulls back with a force proportional to how far it is stretched.",
    ),
    Formula(
        (
            "universal gravitation",
            "gravitational force",
            "law of gravitation",
            "newton's law of grav",
        ),
        (r"F = G\,\frac{m_1 m_2}{r^2}",),
        "Gravity between two masses weakens with the square of their distance.",
    ),
    Formula(
        ("work-energy", "work energy"),
        (
            r"W_{\text{net}} = \Delta K",
            r"W_{\text{net}} = \tfrac{1}{2} m v_f^2 - \tfrac{1}{2} m v_i^2",
        ),
        "The net work done on a body equals the change in its kinetic energy.",
    ),
    Formula(
        ("kinetic energy",),
        (r"K = \frac{1}{2}\, m v^2",),
        "Kinetic energy grows with mass and with the square of speed.",
    ),
    Formula(
        ("conservation of energy",),
        (r"K_1 + U_1 = K_2 + U_2",),
        "In a closed system, energy changes form but its total stays the same.",
    ),
    Formula(
        ("torque",),
        (r"\tau = r\,F \sin\theta",),
        "Torque is force times lever arm: it measures how strongly a force turns things.",
    ),
    Formula(
        ("centrifugal", "centripetal"),
        (r"F = \frac{m v^2}{r}", r"F = m\,\omega^2 r"),
        "Moving on a circle needs a force that grows with speed squared over radius.",
    ),
    Formula(
        ("snell",),
        (r"n_1 \sin\theta_1 = n_2 \sin\theta_2",),
        "Light bends at a boundary so that n times the sine of the angle is conserved.",
    ),
    Formula(
        ("coulomb",),
        (r"F = k_e\,\frac{q_1 q_2}{r^2}",),
        "The electric force between two charges falls off with the square of distance.",
    ),
    Formula(
        ("kirchhoff's voltage", "kirchhoff voltage", "kirchhoff"),
        (r"\sum_{k} V_k = 0",),
        "Around any closed loop of a circuit, the voltages add up to zero.",
    ),
    Formula(
        ("thevenin",),
        (
            r"V_{\text{th}} = V_{\text{open}}",
            r"R_{\text{th}} = \frac{V_{\text{open}}}{I_{\text{short}}}",
        ),
        "Any linear circuit looks like one voltage source in series with one resistor.",
    ),
    Formula(
        ("pascal",),
        (r"P = \frac{F_1}{A_1} = \frac{F_2}{A_2}",),
        "Pressure applied to a confined fluid spreads equally everywhere in it.",
    ),
    Formula(
        ("archimedes", "buoyan"),
        (r"F_b = \rho_{\text{fluid}}\, V g",),
        "The buoyant force equals the weight of the fluid pushed aside.",
    ),
    Formula(
        ("avogadro",),
        (r"N_A \approx 6.022 \times 10^{23}\ \text{mol}^{-1}", r"N = n\, N_A"),
        "One mole always holds the same number of particles.",
    ),
    Formula(
        ("dalton",),
        (r"P_{\text{total}} = P_1 + P_2 + \cdots + P_n",),
        "The total pressure of a gas mixture is the sum of the partial pressures.",
    ),
    Formula(
        ("wavelength", "electromagnetic spectrum", "color", "colour"),
        (r"c = \lambda f", r"E = h f"),
        "Wavelength times frequency is the speed of light; higher frequency means more energy.",
    ),
    Formula(
        ("conservation of mass",),
        (r"m_{\text{reactants}} = m_{\text{products}}",),
        "In a chemical reaction, mass is neither created nor destroyed.",
    ),
    Formula(
        ("first law of thermodynamics",),
        (r"\Delta U = Q - W",),
        "Internal energy changes by the heat added minus the work done by the system.",
    ),
    Formula(
        ("hess",),
        (r"\Delta H_{\text{rxn}} = \sum \Delta H_{\text{steps}}",),
        "The enthalpy change of a reaction does not depend on the path taken.",
    ),
    Formula(
        ("charles",),
        (r"\frac{V_1}{T_1} = \frac{V_2}{T_2}",),
        "At constant pressure, the volume of a gas is proportional to its temperature.",
    ),
    Formula(
        ("gay-lussac", "gay lussac"),
        (r"\frac{P_1}{T_1} = \frac{P_2}{T_2}",),
        "At constant volume, the pressure of a gas is proportional to its temperature.",
    ),
    Formula(
        ("boyle",),
        (r"P_1 V_1 = P_2 V_2",),
        "At constant temperature, pressure and volume are inversely proportional.",
    ),
    Formula(
        ("henderson",),
        (r"\mathrm{pH} = \mathrm{p}K_a + \log_{10}\frac{[\mathrm{A^-}]}{[\mathrm{HA}]}",),
        "The pH of a buffer depends on the ratio of base to acid.",
    ),
    Formula(
        ("ph scale", "ph ", "acidity"),
        (r"\mathrm{pH} = -\log_{10}[\mathrm{H^+}]",),
        "Each step on the pH scale is a tenfold change in hydrogen-ion concentration.",
    ),
    Formula(
        ("van't hoff", "van t hoff"),
        (
            r"\ln\frac{K_2}{K_1} = -\frac{\Delta"
            r" H^\circ}{R}\left(\frac{1}{T_2} - \frac{1}{T_1}\right)",
        ),
        "An equilibrium constant shifts with temperature according to the reaction enthalpy.",
    ),
    Formula(
        ("clausius",),
        (
            r"\ln\frac{P_2}{P_1} = -\frac{\Delta"
            r" H_{\text{vap}}}{R}\left(\frac{1}{T_2} - \frac{1}{T_1}\right)",
        ),
        "Vapour pressure rises steeply with temperature.",
    ),
    Formula(
        ("law of sines", "sine rule", "sines"),
        (r"\frac{a}{\sin A} = \frac{b}{\sin B} = \frac{c}{\sin C}",),
        "Each side of a triangle is proportional to the sine of the opposite angle.",
    ),
    Formula(
        ("cosine rule", "law of cosines", "cosines"),
        (r"c^2 = a^2 + b^2 - 2ab\cos C",),
        "It extends Pythagoras to every triangle with a correction for the angle.",
    ),
    Formula(
        ("chain rule",),
        (r"\frac{d}{dx}\, f(g(x)) = f'(g(x))\, g'(x)",),
        "The rate of a composition is the product of the rates of its parts.",
    ),
    Formula(
        ("product rule",),
        (r"(f g)' = f' g + f g'",),
        "The derivative of a product takes turns differentiating each factor.",
    ),
    Formula(
        ("quotient rule",),
        (r"\left(\frac{f}{g}\right)' = \frac{f' g - f g'}{g^2}",),
        "The derivative of a ratio, built from the derivatives of top and bottom.",
    ),
    Formula(
        ("power rule",),
        (r"\frac{d}{dx}\, x^n = n\, x^{n-1}",),
        "Differentiating a power brings the exponent down and lowers it by one.",
    ),
    Formula(
        ("substitution",),
        (r"\int f(g(x))\, g'(x)\, dx = \int f(u)\, du", r"u = g(x)"),
        "Changing the variable turns a hard integral into a simpler one.",
    ),
    Formula(
        ("disk", "washer"),
        (r"V = \pi \int_a^b \left(R(x)^2 - r(x)^2\right) dx",),
        "A solid of revolution is a stack of thin disks or washers.",
    ),
    Formula(
        ("mean value theorem",),
        (r"f'(c) = \frac{f(b) - f(a)}{b - a}",),
        "Somewhere the instantaneous slope equals the average slope.",
    ),
    Formula(
        ("rolle",),
        (r"f(a) = f(b) \;\Rightarrow\; f'(c) = 0",),
        "A smooth curve that returns to its starting height has a flat point in between.",
    ),
    Formula(
        ("intermediate value",),
        (r"f(a) < k < f(b) \;\Rightarrow\; f(c) = k",),
        "A continuous function takes every value between its end values.",
    ),
    Formula(
        ("extreme value",),
        (
            r"f \text{ continuous on } [a, b] \;\Rightarrow\; \max"
            r" f \text{ and } \min f \text{ exist}",
        ),
        "A continuous function on a closed interval reaches a highest and a lowest value.",
    ),
    Formula(
        ("squeeze", "sandwich"),
        (r"g(x) \le f(x) \le h(x)", r"\lim g = \lim h = L \;\Rightarrow\; \lim f = L"),
        "A function trapped between two others with the same limit shares that limit.",
    ),
    Formula(
        ("divergence test",),
        (r"\lim_{n \to \infty} a_n \ne 0 \;\Rightarrow\; \sum a_n \text{ diverges}",),
        "If the terms do not shrink to zero, the series cannot converge.",
    ),
    Formula(
        ("second derivative test",),
        (r"f'(c) = 0,\; f''(c) > 0 \;\Rightarrow\; \text{local minimum}",),
        "The sign of the second derivative tells a minimum from a maximum.",
    ),
    Formula(
        ("fermat's theorem", "fermat theorem"),
        (r"f \text{ has a local extremum at } c \;\Rightarrow\; f'(c) = 0",),
        "At a smooth peak or valley the tangent line is flat.",
    ),
    Formula(
        ("newton-raphson", "newton raphson", "newton's method"),
        (r"x_{n+1} = x_n - \frac{f(x_n)}{f'(x_n)}",),
        "Follow the tangent line to the axis, and repeat.",
    ),
    Formula(
        ("taylor",),
        (r"f(x) = \sum_{n=0}^{\infty} \frac{f^{(n)}(a)}{n!}\,(x - a)^n",),
        "A smooth function is approximated by polynomials built from its derivatives.",
    ),
    Formula(
        ("simpson",),
        (r"\int_a^b f(x)\,dx \approx \frac{h}{3}\left[f_0 + 4 f_1 + f_2\right]",),
        "Fitting parabolas through the samples gives an accurate area.",
    ),
    Formula(
        ("cauchy riemann", "cauchy-riemann"),
        (
            r"\frac{\partial u}{\partial x} = \frac{\partial v}{\partial y}",
            r"\frac{\partial u}{\partial y} = -\frac{\partial v}{\partial x}",
        ),
        "A complex function is differentiable when its real and imaginary parts match up.",
    ),
    Formula(
        ("riemann",),
        (r"\iint_R f\, dA \approx \sum_{i}\sum_{j} f(x_i, y_j)\, \Delta A",),
        "Volume under a surface is approximated by a grid of thin boxes.",
    ),
    Formula(
        ("fubini",),
        (r"\iint_R f\, dA = \int_a^b \int_c^d f(x, y)\, dy\, dx",),
        "A double integral can be computed one variable at a time.",
    ),
    Formula(
        ("jacobian",),
        (
            r"J = \begin{pmatrix} \partial x / \partial u & \partial x / \partial v \\"
            r" \partial y / \partial u & \partial y / \partial v \end{pmatrix}",
            r"dx\,dy = |\det J|\, du\,dv",
        ),
        "The Jacobian measures how a change of variables stretches area.",
    ),
    Formula(
        ("green's theorem", "greens theorem"),
        (
            r"\oint_C L\,dx + M\,dy = \iint_D \left(\frac{\partial"
            r" M}{\partial x} - \frac{\partial L}{\partial y}\right) dA",
        ),
        "Circulation around a boundary equals the total curl inside it.",
    ),
    Formula(
        ("stokes' theorem", "stokes theorem"),
        (
            r"\oint_{\partial S} \mathbf{F} \cdot d\mathbf{r} = \iint_S"
            r" (\nabla \times \mathbf{F}) \cdot d\mathbf{S}",
        ),
        "Circulation around the edge of a surface equals the curl flowing through it.",
    ),
    Formula(
        ("stokes",),
        (r"F_d = 6 \pi \eta\, r\, v",),
        "The drag on a small sphere grows with viscosity, radius and speed.",
    ),
    Formula(
        ("velocity vector",),
        (r"\mathbf{v}(t) = \mathbf{r}'(t)", r"|\mathbf{v}(t)| = \text{speed}"),
        "The velocity vector is the derivative of position and points along the path.",
    ),
    Formula(
        ("cramer",),
        (r"x_i = \frac{\det A_i}{\det A}",),
        "Each unknown is a ratio of two determinants.",
    ),
    Formula(
        ("remainder theorem",),
        (r"p(x) = (x - c)\, q(x) + p(c)",),
        "Dividing a polynomial by x minus c leaves the value at c as remainder.",
    ),
    Formula(
        ("factor theorem",),
        (r"p(c) = 0 \iff (x - c) \text{ divides } p(x)",),
        "A root of a polynomial gives a linear factor, and back.",
    ),
    Formula(
        ("rational zero", "rational root"),
        (r"x = \pm\frac{p}{q}", r"p \mid a_0, \quad q \mid a_n"),
        "Rational roots are built from divisors of the constant and leading coefficients.",
    ),
    Formula(
        ("product-to-sum", "product to sum"),
        (r"\sin A \sin B = \tfrac{1}{2}\left[\cos(A - B) - \cos(A + B)\right]",),
        "A product of sines becomes a difference of cosines.",
    ),
    Formula(
        ("eccentricity",),
        (r"e = \frac{c}{a}", r"0 \le e < 1 \text{ for an ellipse}"),
        "Eccentricity measures how far a conic is from a circle.",
    ),
    Formula(
        ("directrix",),
        (r"\frac{PF}{PD} = e",),
        "A conic is the set of points whose distances to a focus and a line keep a fixed ratio.",
    ),
    Formula(
        ("inverse function",),
        (r"f^{-1}(f(x)) = x", r"f(f^{-1}(y)) = y"),
        "An inverse function undoes what the function does.",
    ),
    Formula(
        ("one-to-one", "one to one", "injective"),
        (r"f(a) = f(b) \;\Rightarrow\; a = b",),
        "Different inputs always give different outputs.",
    ),
    Formula(
        ("rotation",),
        (r"x' = x\cos\theta - y\sin\theta", r"y' = x\sin\theta + y\cos\theta"),
        "Rotating a point mixes its coordinates through the sine and cosine of the angle.",
    ),
    Formula(
        ("triangle inequality",),
        (r"|a + b| \le |a| + |b|",),
        "A detour through a third point is never shorter than the direct path.",
    ),
    Formula(
        ("doppler",),
        (r"f' = f\,\frac{v + v_o}{v - v_s}",),
        "Motion of the source or observer shifts the frequency that is heard.",
    ),
    Formula(
        ("superposition",),
        (r"y(x, t) = y_1(x, t) + y_2(x, t)",),
        "Overlapping waves simply add up point by point.",
    ),
    Formula(
        ("kepler",),
        (r"T^2 \propto a^3",),
        "The square of a planet's period grows with the cube of its orbit's size.",
    ),
    Formula(
        ("gauss's law", "gauss law", "gauss' law"),
        (r"\oint \mathbf{E} \cdot d\mathbf{A} = \frac{Q_{\text{enc}}}{\varepsilon_0}",),
        "The electric flux out of a closed surface counts the charge inside.",
    ),
    Formula(
        ("ampere", "ampère"),
        (r"\oint \mathbf{B} \cdot d\mathbf{l} = \mu_0 I_{\text{enc}}",),
        "The magnetic field around a loop measures the current passing through it.",
    ),
    Formula(
        ("bernoulli",),
        (r"P + \tfrac{1}{2}\rho v^2 + \rho g h = \text{constant}",),
        "Along a streamline, faster flow means lower pressure.",
    ),
    Formula(
        ("poiseuille",),
        (r"Q = \frac{\pi r^4\, \Delta P}{8 \eta L}",),
        "Flow through a pipe grows with the fourth power of its radius.",
    ),
    Formula(
        ("stefan",),
        (r"P = \sigma A T^4",),
        "A hot body radiates power in proportion to the fourth power of its temperature.",
    ),
    Formula(
        ("carnot",),
        (r"\eta = 1 - \frac{T_C}{T_H}",),
        "No heat engine between two temperatures beats the Carnot efficiency.",
    ),
    Formula(
        ("brewster",),
        (r"\tan\theta_B = \frac{n_2}{n_1}",),
        "At Brewster's angle, reflected light is fully polarised.",
    ),
    Formula(
        ("malus",),
        (r"I = I_0 \cos^2\theta",),
        "A polariser passes light in proportion to the squared cosine of the angle.",
    ),
    Formula(
        ("hubble",),
        (r"v = H_0\, d",),
        "Distant galaxies recede at a speed proportional to their distance.",
    ),
    Formula(
        ("tsiolkovsky", "rocket equation"),
        (r"\Delta v = v_e \ln\frac{m_0}{m_f}",),
        "A rocket's change in speed depends on exhaust speed and the ratio of its masses.",
    ),
    Formula(
        ("hall effect",),
        (r"V_H = \frac{I B}{n q t}",),
        "A magnetic field pushes moving charges sideways, creating a voltage.",
    ),
    Formula(
        ("poynting",),
        (r"\mathbf{S} = \frac{1}{\mu_0}\, \mathbf{E} \times \mathbf{B}",),
        "Electromagnetic energy flows along the cross product of the fields.",
    ),
    Formula(
        ("virial",),
        (r"2 \langle K \rangle = -\langle U \rangle",),
        "For a bound system, average kinetic and potential energy are locked together.",
    ),
    Formula(
        ("fresnel",),
        (r"r_s = \frac{n_1 \cos\theta_i - n_2 \cos\theta_t}{n_1 \cos\theta_i + n_2 \cos\theta_t}",),
        "How much light reflects depends on the indices and the angles.",
    ),
    Formula(
        ("fourier heat", "heat conduction"),
        (r"\mathbf{q} = -k\, \nabla T",),
        "Heat flows down the temperature gradient.",
    ),
    Formula(
        ("geometric brownian",),
        (r"dS_t = \mu S_t\, dt + \sigma S_t\, dW_t",),
        "The value drifts by a steady rate plus random noise proportional to itself.",
    ),
    Formula(
        ("navier",),
        (
            r"\rho\left(\frac{\partial \mathbf{u}}{\partial t} + \mathbf{u} \cdot \nabla"
            r" \mathbf{u}\right) = -\nabla p + \mu \nabla^2 \mathbf{u}",
        ),
        "Newton's second law written for every small parcel of a fluid.",
    ),
    Formula(
        ("schwarzschild",),
        (r"r_s = \frac{2 G M}{c^2}",),
        "Squeeze a mass inside this radius and not even light escapes.",
    ),
    Formula(
        ("chandrasekhar",),
        (r"M_{\text{Ch}} \approx 1.4\, M_{\odot}",),
        "Above this mass, electron pressure cannot hold up a white dwarf.",
    ),
    Formula(
        ("rayleigh",),
        (r"\theta_{\min} \approx 1.22\, \frac{\lambda}{D}",),
        "Two points are resolved when their angular separation beats this limit.",
    ),
    Formula(
        ("raoult",),
        (r"P_A = x_A\, P_A^{*}",),
        "Each component's vapour pressure scales with its mole fraction.",
    ),
    Formula(
        ("beer",),
        (r"A = \varepsilon\, \ell\, c",),
        "Absorbance grows with path length and concentration.",
    ),
    Formula(
        ("graham",),
        (r"\frac{r_1}{r_2} = \sqrt{\frac{M_2}{M_1}}",),
        "Lighter gases effuse faster, as the inverse square root of molar mass.",
    ),
    Formula(
        ("arrhenius",),
        (r"k = A\, e^{-E_a / RT}",),
        "Reaction rates rise exponentially with temperature.",
    ),
    Formula(
        ("henry",),
        (r"C = k_H\, P",),
        "The amount of dissolved gas is proportional to its partial pressure.",
    ),
    Formula(
        ("michaelis",),
        (r"v = \frac{V_{\max}\,[S]}{K_m + [S]}",),
        "Enzyme rates rise with substrate and level off at a maximum.",
    ),
    Formula(
        ("gibbs",),
        (r"\Delta G = \Delta H - T\,\Delta S",),
        "A reaction runs on its own when the free-energy change is negative.",
    ),
    Formula(
        ("eyring", "transition state"),
        (r"k = \frac{k_B T}{h}\, e^{-\Delta G^{\ddagger} / RT}",),
        "The rate depends on the free-energy barrier at the transition state.",
    ),
    Formula(
        ("bragg",),
        (r"n \lambda = 2 d \sin\theta",),
        "X-rays reflect strongly when waves from neighbouring planes line up.",
    ),
    Formula(
        ("scherrer",),
        (r"\tau = \frac{K \lambda}{\beta \cos\theta}",),
        "Broader diffraction peaks mean smaller crystallites.",
    ),
    Formula(
        ("huckel",),
        (r"N_{\pi} = 4n + 2",),
        "A planar ring with 4n + 2 pi electrons is aromatic.",
    ),
    Formula(
        ("nernst",),
        (r"E = E^{\circ} - \frac{RT}{nF} \ln Q",),
        "Cell voltage shifts with the concentrations of the species.",
    ),
    Formula(
        ("langmuir",),
        (r"\theta = \frac{K P}{1 + K P}",),
        "Surface coverage rises with pressure and saturates at one monolayer.",
    ),
    Formula(
        ("slater",),
        (r"Z_{\text{eff}} = Z - S",),
        "Inner electrons shield the nucleus, lowering the charge an electron feels.",
    ),
    Formula(
        ("born-haber", "born haber"),
        (r"\Delta H_f = \Delta H_{\text{atom}} + \text{IE} + \text{EA} + U_{\text{lattice}}",),
        "Formation enthalpy is split into steps that can each be measured.",
    ),
    Formula(
        ("koopman",),
        (r"\text{IE} \approx -\varepsilon_{\text{HOMO}}",),
        "The ionisation energy is about minus the highest occupied orbital energy.",
    ),
    Formula(
        ("marcus",),
        (r"k = A\, e^{-(\lambda + \Delta G^{\circ})^2 / 4 \lambda k_B T}",),
        "Electron transfer is fastest when the driving force matches the reorganisation energy.",
    ),
    Formula(
        ("de morgan",),
        (
            r"\overline{A \cup B} = \overline{A} \cap \overline{B}",
            r"\overline{A \cap B} = \overline{A} \cup \overline{B}",
        ),
        "Negating an OR gives an AND of negations, and the other way round.",
    ),
    Formula(
        ("pigeonhole",),
        (r"n > m \;\Rightarrow\; \text{some box holds at least } 2",),
        "More items than boxes forces two items to share a box.",
    ),
    Formula(
        ("binary search",),
        (r"T(n) = T(n/2) + O(1)", r"T(n) = O(\log n)"),
        "Halving the search range each step needs only logarithmically many steps.",
    ),
    Formula(
        ("linear search",),
        (r"T(n) = O(n)",),
        "In the worst case every one of the n items is checked.",
    ),
    Formula(
        ("big o", "big-o"),
        (r"f(n) = O(g(n)) \iff f(n) \le c\, g(n) \text{ for } n \ge n_0",),
        "Big O keeps only how fast the cost grows, ignoring constants.",
    ),
    Formula(
        ("master theorem",),
        (r"T(n) = a\, T(n/b) + f(n)", r"T(n) = \Theta\left(n^{\log_b a}\right)"),
        "Divide-and-conquer costs are read off by comparing f(n) with n to the log base b of a.",
    ),
    Formula(
        ("hamming",),
        (r"d(x, y) = \left|\{\, i : x_i \ne y_i \,\}\right|",),
        "The Hamming distance counts the positions where two strings differ.",
    ),
    Formula(
        ("signal-to-noise", "signal to noise", "snr"),
        (
            r"\mathrm{SNR} = \frac{P_{\text{signal}}}{P_{\text{noise}}}",
            r"\mathrm{SNR}_{\text{dB}} = 10 \log_{10} \mathrm{SNR}",
        ),
        "The ratio of signal power to noise power, often in decibels.",
    ),
    Formula(
        ("fast fourier", "fourier transform", "fft"),
        (r"X_k = \sum_{n=0}^{N-1} x_n\, e^{-2\pi i k n / N}",),
        "A signal is rewritten as a sum of waves of different frequencies.",
    ),
    Formula(
        ("cosine transform",),
        (
            r"X_k = \sum_{n=0}^{N-1} x_n"
            r" \cos\left[\frac{\pi}{N}\left(n + \tfrac{1}{2}\right) k\right]",
        ),
        "A signal becomes a sum of cosines, most of its energy in few of them.",
    ),
    Formula(
        ("kullback", "kl divergence"),
        (r"D_{\mathrm{KL}}(P \,\|\, Q) = \sum_x P(x) \log \frac{P(x)}{Q(x)}",),
        "It measures how much information is lost when Q stands in for P.",
    ),
    Formula(
        ("differential entropy",),
        (r"h(X) = -\int f(x) \log f(x)\, dx",),
        "Entropy for continuous variables, measured from the density.",
    ),
    Formula(
        ("entropy", "shannon"),
        (r"H(X) = -\sum_x p(x) \log_2 p(x)",),
        "Entropy is the average surprise, in bits.",
    ),
    Formula(
        ("fano",),
        (r"H(X \mid Y) \le 1 + P_e \log\left(|\mathcal{X}| - 1\right)",),
        "A small error probability forces a small remaining uncertainty.",
    ),
    Formula(
        ("evidence lower bound", "elbo"),
        (
            r"\log p(x) \ge \mathbb{E}_{q}\left[\log p(x, z)\right] -"
            r" \mathbb{E}_{q}\left[\log q(z)\right]",
        ),
        "A tractable lower bound on the log-likelihood that we can maximise.",
    ),
    Formula(
        ("self-attention", "attention"),
        (
            r"\mathrm{Attention}(Q, K, V) ="
            r" \mathrm{softmax}\left(\frac{Q K^{\top}}{\sqrt{d_k}}\right) V",
        ),
        "Each token takes a weighted average of all tokens, weighted by similarity.",
    ),
    Formula(
        ("gradient descent",),
        (r"\theta \leftarrow \theta - \eta\, \nabla J(\theta)",),
        "Take small steps downhill along the negative gradient.",
    ),
    Formula(
        ("markov decision", "bellman"),
        (r"V(s) = \max_a \sum_{s'} P(s' \mid s, a)\left[R(s, a, s') + \gamma V(s')\right]",),
        "The value of a state is the best expected reward plus discounted future value.",
    ),
    Formula(
        ("principal component", "pca"),
        (r"\Sigma\, v = \lambda\, v",),
        "The directions of greatest variance are eigenvectors of the covariance matrix.",
    ),
    Formula(
        ("k-means", "k means"),
        (r"\min \sum_{k} \sum_{x \in C_k} \lVert x - \mu_k \rVert^2",),
        "Clusters are chosen to keep points close to their cluster centre.",
    ),
    Formula(
        ("cayley",),
        (r"t(n) = n^{\,n-2}",),
        "There are n to the n minus 2 labelled trees on n vertices.",
    ),
    Formula(
        ("burnside",),
        (r"|X / G| = \frac{1}{|G|} \sum_{g \in G} |X^g|",),
        "The number of orbits is the average number of fixed points.",
    ),
    Formula(
        ("catalan",),
        (r"C_n = \frac{1}{n + 1} \binom{2n}{n}",),
        "Catalan numbers count balanced brackets, binary trees and many more.",
    ),
    Formula(
        ("lah",),
        (r"L(n, k) = \binom{n - 1}{k - 1} \frac{n!}{k!}",),
        "Lah numbers count ways to split n items into k ordered lists.",
    ),
    Formula(
        ("derangement",),
        (r"!n = n! \sum_{k=0}^{n} \frac{(-1)^k}{k!}",),
        "Derangements are permutations that leave no item in its place.",
    ),
    Formula(
        ("schwarz",),
        (r"|f(z)| \le |z|", r"|f'(0)| \le 1"),
        "A map of the unit disc into itself that fixes zero cannot stretch distances from 0.",
    ),
    Formula(
        ("morera",),
        (r"\oint_{\gamma} f(z)\, dz = 0 \;\Rightarrow\; f \text{ is analytic}",),
        "Vanishing loop integrals force a function to be analytic.",
    ),
    Formula(
        ("liouville",),
        (r"|f(z)| \le M \text{ for all } z \;\Rightarrow\; f \text{ is constant}",),
        "A bounded entire function must be constant.",
    ),
    Formula(
        ("cauchy",),
        (r"p \mid |G| \;\Rightarrow\; \exists\, g \in G : \operatorname{ord}(g) = p",),
        "If a prime divides the order of a group, some element has exactly that order.",
    ),
    Formula(
        ("ramsey",),
        (r"R(3, 3) = 6",),
        "Large enough structures always contain ordered pieces.",
    ),
    Formula(
        ("polya",),
        (r"Z(G) = \frac{1}{|G|} \sum_{g \in G} \prod_{k} x_k^{c_k(g)}",),
        "Counting colourings up to symmetry by averaging over the group.",
    ),
    Formula(
        ("pappus",),
        (r"V = 2\pi \bar{r} A",),
        "The volume of a solid of revolution is area times the distance its centroid travels.",
    ),
    Formula(
        ("deadlock",),
        (
            r"\text{mutual exclusion} \wedge \text{hold and wait} \wedge"
            r" \text{no preemption} \wedge \text{circular wait}",
        ),
        "Deadlock needs all four conditions at once.",
    ),
    Formula(
        ("derivative",),
        (r"f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}",),
        "The derivative is the slope of the tangent line, a limit of secant slopes.",
    ),
    Formula(
        ("integral", "integration"),
        (r"\int_a^b f(x)\, dx = F(b) - F(a)",),
        "The area under a curve is found from an antiderivative.",
    ),
)


def find_formula(normalised_text: str) -> Formula | None:
    """First formula whose key occurs in already-normalised (lower-case, ASCII) text."""
    for formula in FORMULAS:
        if any(mentions(normalised_text, key) for key in formula.keys):
            return formula
    return None
