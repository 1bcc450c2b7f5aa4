{# The cable step of a SpatialNeuron as one Hines elimination over the tree (single thread).

Replaces Brian2's template of the same name (three tridiagonal solves per section and a coupling
system over the branch points) with one elimination from the leaves to the root and one
substitution back (Hines 1984, J Biomed Comput 15:69-76), on the same backward-Euler system:

    (Cm/dt + gtot) * area * v  -  sum over neighbours g * (v_nb - v)  =  (Cm/dt * v_old + I0) * area

With ``crank_nicolson`` (a template keyword set by dendrites/hines.py) the step is NEURON's
``secondorder`` scheme (Hines & Carnevale, The NEURON Book, ch. 4): the same system over dt/2
(2 Cm/dt in place of Cm/dt) gives v(t + dt/2), and v(t + dt) = 2 v(t + dt/2) - v(t). With Im
linearised at v(t) this is the implicit midpoint rule to second order. Without it the rendered
code is the backward-Euler code, unchanged.

Unknowns: every compartment, and the point at the end of each section where its children join
(no capacitance). The start of the first section is a sealed end. Each unknown k keeps ``e_k``, its
conductance to ground with its subtree folded in, and ``b_k``; folding child c into its parent
through the link g adds ``g * e_c / (g + e_c)`` (the link and the subtree in series) and
``g * b_c / (g + e_c)``. Every e is a sum of positive terms, so a very large link (Brian2 joins a
Soma to its children through 1 m / Ri) costs no precision. Sections are numbered so that a parent
comes before its children (checked in Python before this code is used). The elimination is bound by the
latency of one division per compartment, so two independent sections are folded together where
the numbering allows (sibling leaves, mostly): 0.45 -> 0.36 s for the 1,024-compartment benchmark
cell.

Storage reuses Brian2's work arrays of the spatial updater:
per compartment  _ab_star1: Cm*area/dt (x2 for CN)   _u_plus: e (folded: first compartments only)
                 _v_star: b (folded)   _u_minus: 1/(e + g_parent)
per branch point _P_diag: e   _B: b, then the voltage
#}
{# USES_VARIABLES { Cm, dt, v, N, Ic, Ri,
                  _ab_star0, _ab_star1, _ab_star2, _b_plus, _b_minus,
                  _v_star, _u_plus, _u_minus,
                  _v_previous,
                  _gtot_all, _I0_all,
                  _c,
                  _P_diag, _P_parent, _P_children,
                  _B, _morph_parent_i, _starts, _ends,
                  _morph_children, _morph_children_num, _morph_idxchild,
                  _invr0, _invrn, _invr,
                  r_length_1, r_length_2, area } #}
{% extends 'common_group.cpp' %}

{% block before_code %}
    const double _Ri = {{Ri}};  // Ri is a shared variable

    // axial conductance between compartment _i-1 and _i of one section
    for (int _i=1; _i<N; _i++)
        {{_invr}}[_i] = 1.0/(_Ri*(1/{{r_length_2}}[_i-1] + 1/{{r_length_1}}[_i]));
    for (int _i=0; _i<(int)_num_starts; _i++)
    {
        const int _first = {{_starts}}[_i];
        const int _last = {{_ends}}[_i] - 1;
        {{_invr}}[_first] = 0;
        // conductance from the first compartment to the section's start, last one to its end
        {{_invr0}}[_i] = {{r_length_1}}[_first]/_Ri;
        {{_invrn}}[_i] = {{r_length_2}}[_last]/_Ri;
    }
    // capacitive conductance of each compartment
{% if crank_nicolson %}
    // (Crank-Nicolson: a backward-Euler step over dt/2)
    for (int _i=0; _i<N; _i++)
        {{_ab_star1}}[_i] = 2.0 * {{Cm}}[_i] * {{area}}[_i] / {{dt}};
{% else %}
    for (int _i=0; _i<N; _i++)
        {{_ab_star1}}[_i] = {{Cm}}[_i] * {{area}}[_i] / {{dt}};
{% endif %}
{% endblock %}

{% block maincode %}

    int _vectorisation_idx = 1;

    //// MAIN CODE ////////////
    {{scalar_code|autoindent}}

    // STEP 1: the membrane current, linearised, in every compartment (independent)
    {{ openmp_pragma('parallel-static') }}
    for(int i=0; i<N; i++)
    {
        const int _idx = i;
        _vectorisation_idx = _idx;

        {{vector_code|autoindent}}
        {{_u_plus}}[_idx] = {{_ab_star1}}[_idx] + _gtot * {{area}}[_idx];
        {{_v_star}}[_idx] = {{_ab_star1}}[_idx] * {{v}}[_idx] + _I0 * {{area}}[_idx];
        {{_v_previous}}[_idx] = {{v}}[_idx];
    }

    // STEP 2: fold every unknown into its parent, from the leaves to the root
    const int _n_sections = (int)_num_starts;
    for (int _k=0; _k<=_n_sections; _k++)
    {
        {{_P_diag}}[_k] = 0.0;
        {{_B}}[_k] = 0.0;
    }
    // A section is folded from its end point to its first compartment, carrying e and b of the
    // current compartment in registers; the chain is bound by the latency of one division per
    // compartment, so two independent sections are folded together where possible: going
    // backwards, sections _s and _s-1 are independent unless _s-1 is the parent of _s.
    auto _fold_end = [&](const int _s, double& _e, double& _b)
    {
        const int _last = {{_ends}}[_s] - 1;
        const double _g = {{_invrn}}[_s];
        const double _r = _g / ({{_P_diag}}[_s+1] + _g);
        _e = {{_u_plus}}[_last] + _r * {{_P_diag}}[_s+1];
        _b = {{_v_star}}[_last] + _r * {{_B}}[_s+1];
    };
    auto _fold_step = [&](const int _j, double& _e, double& _b)
    {
        const double _g = {{_invr}}[_j];
        const double _inv = 1.0/(_e + _g);
        {{_u_minus}}[_j] = _inv;
        {{_v_star}}[_j] = _b;
        _e = {{_u_plus}}[_j-1] + _g * _inv * _e;
        _b = {{_v_star}}[_j-1] + _g * _inv * _b;
    };
    auto _fold_start = [&](const int _s, const double _e, const double _b)
    {
        const int _first = {{_starts}}[_s];
        {{_u_plus}}[_first] = _e;
        {{_v_star}}[_first] = _b;
        if (_s > 0)  // into the branch point it starts from
        {
            const int _p = {{_morph_parent_i}}[_s];
            const double _g = {{_invr0}}[_s];
            const double _inv = 1.0/(_e + _g);
            {{_u_minus}}[_first] = _inv;
            {{_P_diag}}[_p] += _g * _inv * _e;
            {{_B}}[_p] += _g * _inv * _b;
        }
    };
    int _s = _n_sections - 1;
    while (_s >= 0)
    {
        if (_s >= 1 && {{_morph_parent_i}}[_s] != _s)
        {
            const int _s2 = _s - 1;
            const int _f1 = {{_starts}}[_s], _f2 = {{_starts}}[_s2];
            int _j1 = {{_ends}}[_s] - 1, _j2 = {{_ends}}[_s2] - 1;
            double _e1, _b1, _e2, _b2;
            _fold_end(_s, _e1, _b1);
            _fold_end(_s2, _e2, _b2);
            for (; _j1 > _f1 && _j2 > _f2; _j1--, _j2--)
            {
                _fold_step(_j1, _e1, _b1);
                _fold_step(_j2, _e2, _b2);
            }
            for (; _j1 > _f1; _j1--)
                _fold_step(_j1, _e1, _b1);
            for (; _j2 > _f2; _j2--)
                _fold_step(_j2, _e2, _b2);
            _fold_start(_s, _e1, _b1);
            _fold_start(_s2, _e2, _b2);
            _s -= 2;
        }
        else
        {
            const int _first = {{_starts}}[_s];
            double _e, _b;
            _fold_end(_s, _e, _b);
            for (int _j={{_ends}}[_s] - 1; _j>_first; _j--)
                _fold_step(_j, _e, _b);
            _fold_start(_s, _e, _b);
            _s -= 1;
        }
    }

    // STEP 3: the root (first compartment of the first section, sealed start), then back out
    {
        const int _root = {{_starts}}[0];
        {{v}}[_root] = {{_v_star}}[_root] / {{_u_plus}}[_root];
    }
    for (_s=0; _s<_n_sections; _s++)
    {
        const int _first = {{_starts}}[_s];
        const int _last = {{_ends}}[_s] - 1;
        if (_s > 0)
        {
            const int _p = {{_morph_parent_i}}[_s];
            {{v}}[_first] = ({{_v_star}}[_first] + {{_invr0}}[_s] * {{_B}}[_p]) * {{_u_minus}}[_first];
        }
        for (int _j=_first+1; _j<=_last; _j++)
            {{v}}[_j] = ({{_v_star}}[_j] + {{_invr}}[_j] * {{v}}[_j-1]) * {{_u_minus}}[_j];
        {{_B}}[_s+1] = ({{_B}}[_s+1] + {{_invrn}}[_s] * {{v}}[_last])
                       / ({{_P_diag}}[_s+1] + {{_invrn}}[_s]);
    }

    {{ openmp_pragma('parallel-static') }}
    for (int _i=0; _i<N; _i++)
    {
{% if crank_nicolson %}
        // Crank-Nicolson: the solve gave v(t + dt/2); extrapolate to t + dt
        {{v}}[_i] = 2.0 * {{v}}[_i] - {{_v_previous}}[_i];
{% endif %}
        {{Ic}}[_i] = {{Cm}}[_i]*({{v}}[_i] - {{_v_previous}}[_i])/{{dt}};
    }

{% endblock %}
